builtins.pathExists (toString ./data/dir + "/")
