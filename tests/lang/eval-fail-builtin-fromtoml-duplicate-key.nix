builtins.fromTOML "a = 123\na = 4567"
