derivation { name = "${builtins.toFile "x" "hi"}"; builder = "/bin/sh"; system = "x"; }
