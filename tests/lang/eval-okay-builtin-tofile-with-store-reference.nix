let f = builtins.toFile "a" "A"; in builtins.toFile "b" "refers to ${f}"
