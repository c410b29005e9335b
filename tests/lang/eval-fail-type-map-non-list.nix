map (x: x) { }
