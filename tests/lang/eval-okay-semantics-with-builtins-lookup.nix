with { length = x: 0; }; builtins.length [ 1 2 ]
