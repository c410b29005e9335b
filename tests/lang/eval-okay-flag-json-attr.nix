{ inner = { list = [ 1 2 ]; s = "x"; }; }
