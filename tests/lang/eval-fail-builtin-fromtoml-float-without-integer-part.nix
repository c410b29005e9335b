builtins.fromTOML "a = .5"
