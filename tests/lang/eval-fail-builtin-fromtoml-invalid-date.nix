builtins.fromTOML "d = 1979-02-30"
