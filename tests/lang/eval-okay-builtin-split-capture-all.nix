builtins.split "([0-9]+)" "a1b22c333"
