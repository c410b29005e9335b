builtins.split "x" ""
