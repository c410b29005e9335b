map (f: f 10) [ (x: x + 1) (x: x * 2) builtins.toString ]
