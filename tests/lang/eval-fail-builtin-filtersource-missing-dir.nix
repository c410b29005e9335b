builtins.filterSource (p: t: true) ./data/missing-dir
