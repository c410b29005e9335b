builtins.unsafeGetAttrPos "${builtins.toFile "x" "hi"}" { }
