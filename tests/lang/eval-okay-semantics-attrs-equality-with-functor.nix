let f = { __functor = s: x: x; n = 1; }; in [ (f == f) ({ a = f; } == { a = f; }) ]
