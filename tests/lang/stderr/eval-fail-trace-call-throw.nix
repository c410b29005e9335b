let f = x: throw "boom"; in f 1
