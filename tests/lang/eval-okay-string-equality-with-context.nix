builtins.toFile "eq" "x" == builtins.unsafeDiscardStringContext (builtins.toFile "eq" "x")
