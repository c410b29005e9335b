let g = y: y.z; f = x: g x; in f { }
