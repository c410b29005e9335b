builtins.partition (x: x) [ 1 ]
