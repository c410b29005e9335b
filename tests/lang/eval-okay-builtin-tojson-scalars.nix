with builtins; [ (toJSON 1) (toJSON "s") (toJSON null) (toJSON true) (toJSON 1.5) (toJSON (-3)) ]
