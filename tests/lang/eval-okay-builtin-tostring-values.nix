with builtins; [ (toString 1) (toString "s") (toString true) (toString false) (toString null) (toString [ 1 "a" [ 2 ] null true ]) (toString ./data/hello.txt) ]
