let p = "${builtins.toFile "x" "hi"}"; in { a = 1; }.${p} or 3
