builtins.genericClosure { startSet = [ { key = "c"; v = 1; } { key = "a"; v = 2; } { key = "c"; v = 3; } ]; operator = x: [ { key = "a"; v = 9; } { key = "b"; v = 4; } ]; }
