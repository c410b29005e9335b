builtins.trace [ 1 "two" ] "traced list"
