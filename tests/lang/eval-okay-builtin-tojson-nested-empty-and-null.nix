builtins.toJSON { a = [ [ ] { } null ]; }
