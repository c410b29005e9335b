builtins.deepSeq { a = { b = [ 1 2 ]; }; } "deep ok"
