let nan = (1.0e308 * 10) - (1.0e308 * 10); in [ (nan == nan) (nan < 1.0) ]
