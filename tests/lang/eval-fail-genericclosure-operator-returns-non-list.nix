builtins.genericClosure { startSet = [ { key = 1; } ]; operator = x: 5; }
