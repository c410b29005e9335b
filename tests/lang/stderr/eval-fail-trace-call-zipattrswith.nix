builtins.zipAttrsWith (n: vs: n + 1) [ { a = 1; } ]
