builtins.elem 1 2
