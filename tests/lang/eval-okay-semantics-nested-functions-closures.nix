let make = a: { get = _: a; add = b: make (a + b); }; in [ ((((make 1).add 2).add 3).get null) ((make 6).get null) ]
