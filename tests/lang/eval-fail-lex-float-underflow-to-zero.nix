# Nonzero digits that convert to zero are out of range.
builtins.length [ 0.0e-400 1.0e-400 ]
