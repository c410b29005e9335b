builtins.toJSON { a = [ { f = x: x; } ]; }
