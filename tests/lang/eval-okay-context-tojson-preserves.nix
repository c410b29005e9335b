builtins.hasContext (builtins.toJSON [ (builtins.toFile "j" "x") ])
