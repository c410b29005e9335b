builtins.fromTOML "abc"
