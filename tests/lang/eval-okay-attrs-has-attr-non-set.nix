[ (1 ? a) ("x" ? a) (null ? a) ]
