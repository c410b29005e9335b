builtins.fromTOML "a = [ { b = 1 } ]\n[[a]]\nb = 2"
