let mk = n: (x: x + n); f = mk 10; g = mk 20; in [ (f 1) (g 1) ]
