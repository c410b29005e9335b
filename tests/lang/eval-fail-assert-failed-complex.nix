assert builtins.length [ 1 2 ] > 3 && true; null
