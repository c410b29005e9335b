builtins.stringLength (builtins.toFile "f" "c")
