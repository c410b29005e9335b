# foldl' checks its function before it forces the list.
builtins.foldl' 2.5 0 (throw "the list")
