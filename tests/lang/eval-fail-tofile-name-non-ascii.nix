# A store path name's illegal byte that is not ASCII (the first of "é") is written as
# it is, as Nix writes it.
builtins.toFile "café" "text"
