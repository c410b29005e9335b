builtins.derivationStrict { name = "${builtins.toFile "x" "hi"}"; }
