builtins.hasAttr "${builtins.toFile "x" "hi"}" { }
