let x = 1; f = y: let x = y * 2; in x + 1; in [ (f 5) x ]
