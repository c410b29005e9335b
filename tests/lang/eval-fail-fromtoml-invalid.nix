builtins.fromTOML "key = "
