builtins.mul { } 2
