builtins.path { path = ./data/hello.txt; sha256 = "xyz"; }
