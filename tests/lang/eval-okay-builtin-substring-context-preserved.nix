builtins.hasContext (builtins.substring 0 0 (builtins.toFile "c" "x"))
