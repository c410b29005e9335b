builtins.seq [ 1 ] (builtins.seq { } "second")
