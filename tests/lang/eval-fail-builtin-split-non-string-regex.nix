builtins.split 1 "x"
