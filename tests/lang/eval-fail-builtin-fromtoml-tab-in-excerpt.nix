builtins.fromTOML "a = 1\t\tx"
