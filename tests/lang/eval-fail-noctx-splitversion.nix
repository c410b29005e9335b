builtins.splitVersion "${builtins.toFile "x" "hi"}"
