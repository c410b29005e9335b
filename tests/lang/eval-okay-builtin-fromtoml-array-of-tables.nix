builtins.fromTOML ''
  [[item]]
  name = "a"
  [[item]]
  name = "b"
  extra = 1
''
