with builtins; [ (fromJSON "1") (fromJSON "null") (fromJSON "true") (fromJSON "\"x\"") (fromJSON " 42 ") (fromJSON "-0") ]
