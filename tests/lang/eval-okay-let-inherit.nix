let s = { p = 3; }; inherit (s) p; in p * 2
