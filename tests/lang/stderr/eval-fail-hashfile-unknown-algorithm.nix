builtins.hashFile "md4" (throw "not forced")
