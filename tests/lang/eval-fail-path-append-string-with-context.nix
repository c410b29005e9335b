let p = "${builtins.toFile "x" "hi"}"; in
  /. + p
