builtins.toFile "name" 1
