builtins.foldl' builtins.add 0 (builtins.genList (i: i * i) 100)
