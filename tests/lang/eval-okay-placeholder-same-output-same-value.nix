builtins.placeholder "out" == builtins.placeholder "out"
