let s = { a.b.c = 1; }; x = "b"; in [ (s ? a.${x}.c) (s ? a.${x}.d) ]
