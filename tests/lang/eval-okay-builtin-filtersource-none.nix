builtins.filterSource (p: t: false) ./data/dir
