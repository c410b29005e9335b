builtins.any (x: x.a) [ { } ]
