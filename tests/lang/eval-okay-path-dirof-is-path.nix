builtins.typeOf (dirOf ./data/hello.txt)
