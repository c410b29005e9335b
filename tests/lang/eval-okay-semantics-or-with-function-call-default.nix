let s = { }; in s.missing or (builtins.length [ 1 2 ])
