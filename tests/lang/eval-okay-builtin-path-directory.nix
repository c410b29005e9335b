builtins.path { path = ./data/dir; name = "dir"; }
