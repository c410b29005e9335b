let p = "${builtins.toFile "x" "hi"}"; in { a.${p} = 2; }
