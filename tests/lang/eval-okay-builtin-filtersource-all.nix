builtins.filterSource (path: type: true) ./data/dir
