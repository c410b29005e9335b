builtins.match "${builtins.toFile "x" "hi"}" "a"
