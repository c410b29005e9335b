let p = "${builtins.toFile "x" "hi"}"; in
builtins.getAttr p { p = 1; }
