builtins.fromTOML "a = 1x"
