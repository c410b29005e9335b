builtins.path { path = ./data/hello.txt; name = "renamed"; }
