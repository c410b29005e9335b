builtins.path { path = ./data/hello.txt; }
