# An empty `name` is taken as none: the store path is named after the file.
builtins.path { path = ./data/hello.txt; name = ""; }
