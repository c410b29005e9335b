let f = x: assert x > 1; x; in f 0
