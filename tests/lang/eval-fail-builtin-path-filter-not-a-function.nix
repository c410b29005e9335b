# `filter` is called for each entry of a directory: one that is no function fails
# there, at the call.
builtins.path { path = ./data/dir; filter = 1; }
