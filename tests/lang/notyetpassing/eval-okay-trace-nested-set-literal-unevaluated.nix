builtins.trace { a.b.c = 1; } 1
