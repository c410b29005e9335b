builtins.fromJSON ''{ "k": 1, "k": 2 }''
