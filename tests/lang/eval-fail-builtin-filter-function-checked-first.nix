builtins.filter "abc" 1
