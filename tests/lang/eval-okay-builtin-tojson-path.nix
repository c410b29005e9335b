builtins.toJSON ./data/hello.txt
