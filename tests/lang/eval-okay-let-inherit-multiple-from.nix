let s = { a = 1; b = 2; }; t = { c = 3; }; inherit (s) a b; inherit (t) c; in a + b + c
