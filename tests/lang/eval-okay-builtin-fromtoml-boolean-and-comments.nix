builtins.fromTOML ''
  # comment
  a = true # trailing
  b = false
''
