let p = ./data; in [ (p + "/dir") (p + "x") ]
