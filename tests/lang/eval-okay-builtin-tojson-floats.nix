with builtins; map toJSON [ 0.1 (1.0 / 3) 1.0e20 1.0e-7 2.0 123456789.123 ]
