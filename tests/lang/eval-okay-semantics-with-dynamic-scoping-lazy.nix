let s = { v = "from set"; }; f = with s; x: v + x; in f "!"
