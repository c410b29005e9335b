builtins.length ([ 1 ] ++ builtins.map (x: x) [ 2 3 ] ++ [ ])
