let builtins = { length = x: 99; }; in builtins.length [ ]
