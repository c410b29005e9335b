let s = { c = 3; a = 1; b = 2; }; in map (n: "${n}=${toString s.${n}}") (builtins.attrNames s)
