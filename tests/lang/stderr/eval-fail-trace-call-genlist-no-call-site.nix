builtins.genList (x: x + "a") 2
