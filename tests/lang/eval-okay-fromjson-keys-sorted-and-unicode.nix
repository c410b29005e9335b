builtins.fromJSON ''{ "z": 1, "é": 2, "A": 3, "": 4 }''
