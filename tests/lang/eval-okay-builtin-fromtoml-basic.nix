builtins.fromTOML ''
  title = "example"
  count = 3
  ratio = 0.5
  enabled = true
''
