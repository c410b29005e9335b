builtins.catAttrs "${builtins.toFile "x" "hi"}" [ { } ]
