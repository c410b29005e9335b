builtins.filter (x: x + 1) [ 1 "a" ]
