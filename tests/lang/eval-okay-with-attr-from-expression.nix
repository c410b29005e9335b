let sets = [ { v = 1; } { v = 2; } ]; in map (s: with s; v * 10) sets
