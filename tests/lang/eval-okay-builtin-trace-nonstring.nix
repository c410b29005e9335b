builtins.trace { a = 1; b = [ 2 ]; } "traced attrs"
