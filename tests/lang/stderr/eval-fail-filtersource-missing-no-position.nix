builtins.filterSource (p: t: true) ./nonexistent-file
