builtins.fromTOML "a = \"x"
