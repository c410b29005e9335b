with builtins; [ (map (x: x * x) [ 1 2 3 ]) (map (x: x) [ ]) (map toString [ 1 2 ]) ]
