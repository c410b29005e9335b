builtins.fromTOML "[a"
