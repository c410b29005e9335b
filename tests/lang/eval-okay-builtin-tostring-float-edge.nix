[ (toString 0.0) (toString (-0.5)) (toString 1.0e-10) (toString 123456.789) ]
