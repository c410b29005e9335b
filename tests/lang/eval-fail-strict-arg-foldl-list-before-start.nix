# foldl' forces the list before the start value.
builtins.foldl' (a: b: a) (throw "the start") (throw "the list")
