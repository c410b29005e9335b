let p = "${builtins.toFile "x" "hi"}"; in { a = { }; } ? a.${p}
