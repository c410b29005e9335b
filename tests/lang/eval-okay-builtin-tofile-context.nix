let f = builtins.toFile "x.txt" "x"; in builtins.getContext f
