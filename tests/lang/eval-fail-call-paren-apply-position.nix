let f = builtins.add; in ((f 1)) 2 3
