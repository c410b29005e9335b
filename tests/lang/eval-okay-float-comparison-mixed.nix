[ (1.0 < 2) (2 > 1.5) (1.0 == 1) (builtins.lessThan 0.5 1) ]
