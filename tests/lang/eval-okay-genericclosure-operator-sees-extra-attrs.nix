map (x: x.depth) (builtins.genericClosure { startSet = [ { key = "a"; depth = 0; } ]; operator = x: if x.depth < 3 then [ { key = "a${toString x.depth}"; depth = x.depth + 1; } ] else [ ]; })
