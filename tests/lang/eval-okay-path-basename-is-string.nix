builtins.typeOf (baseNameOf ./data/hello.txt)
