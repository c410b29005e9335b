builtins.partition (x: x > 3) [ 5 1 4 2 3 9 ]
