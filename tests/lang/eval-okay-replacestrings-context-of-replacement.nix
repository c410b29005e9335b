builtins.hasContext (builtins.replaceStrings [ "x" ] [ (builtins.toFile "r" "r") ] "axb")
