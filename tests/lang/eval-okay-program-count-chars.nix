let s = "mississippi"; count = c: builtins.length (builtins.filter (x: x == c) (builtins.genList (i: builtins.substring i 1 s) (builtins.stringLength s))); in map count [ "s" "i" "p" "m" ]
