builtins.listToAttrs [
  { name = "a"; value = 1; }
  { name = "${builtins.toFile "x" "hi"}"; value = 2; }
]
