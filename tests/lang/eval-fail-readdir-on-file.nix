builtins.readDir ./data/hello.txt
