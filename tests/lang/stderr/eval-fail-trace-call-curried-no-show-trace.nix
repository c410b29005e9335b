let f = x: y: x + y; in f 1 "a"
