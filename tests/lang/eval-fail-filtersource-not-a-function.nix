builtins.filterSource 1 ./data/dir
