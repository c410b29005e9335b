let s = { f = x: x * 2; }; in map s.f [ 1 2 ]
