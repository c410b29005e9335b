builtins.hashString "sha3" (throw "not forced")
