let s = { }; f = x: x; in f s.a or "dflt"
