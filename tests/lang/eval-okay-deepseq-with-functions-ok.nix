builtins.deepSeq { f = x: x; l = [ (y: y) ]; } "functions are fine"
