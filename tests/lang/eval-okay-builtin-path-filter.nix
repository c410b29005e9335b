builtins.path { path = ./data/dir; name = "filtered"; filter = path: type: type != "directory"; }
