builtins.foldl' (acc: x: acc // { "k${toString x}" = x; }) { } (builtins.genList (i: i) 5)
