builtins.hashString "${builtins.toFile "x" "hi"}" "a"
