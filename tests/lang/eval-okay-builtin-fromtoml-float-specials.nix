builtins.fromTOML ''
  pos = +1.5
  neg = -0.5
  exp = 5e+2
''
