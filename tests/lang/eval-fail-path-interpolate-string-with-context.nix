let p = "${builtins.toFile "x" "hi"}"; in
  /x/${p}
