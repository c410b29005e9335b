# foldl' forces the function, then the list; the start value stays lazy.
builtins.foldl' (throw "the function") (throw "the start") (throw "the list")
