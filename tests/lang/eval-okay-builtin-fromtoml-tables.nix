builtins.fromTOML ''
  [server]
  host = "localhost"
  ports = [ 80, 443 ]

  [server.tls]
  enabled = false

  [client]
  name = "c"
''
