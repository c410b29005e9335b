builtins.fromTOML ''
  matrix = [ [ 1, 2 ], [ "a", "b" ], [] ]
''
