let f = builtins.map (x: x + 1); in f [ "a" ]
