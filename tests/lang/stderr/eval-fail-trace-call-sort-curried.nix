builtins.sort (a: b: a.x < b) [ 1 2 ]
