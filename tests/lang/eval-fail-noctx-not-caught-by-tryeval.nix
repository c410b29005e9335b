builtins.tryEval (builtins.hasAttr "${builtins.toFile "x" "hi"}" { })
