let range = a: b: builtins.genList (i: a + i) (b - a + 1); in builtins.foldl' builtins.add 0 (range 1 100)
