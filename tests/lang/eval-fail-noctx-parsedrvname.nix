builtins.parseDrvName "${builtins.toFile "x" "hi"}"
