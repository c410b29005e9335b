builtins.split "${builtins.toFile "x" "hi"}" "a"
