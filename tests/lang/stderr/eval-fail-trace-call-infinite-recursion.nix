let f = x: let y = y + 1; in y; in f 1
