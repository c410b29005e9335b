builtins.fromTOML ''
  hex = 0xff
  oct = 0o17
  bin = 0b101
  under = 1_000_000
  neg = -42
  flt = 6.02e23
  exp = 1e-3
''
