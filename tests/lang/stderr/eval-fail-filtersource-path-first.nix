builtins.filterSource 1 (throw "path first")
