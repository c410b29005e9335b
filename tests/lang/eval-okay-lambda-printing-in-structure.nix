{ f = x: x; g = builtins.map; l = [ (a: a) ]; }
