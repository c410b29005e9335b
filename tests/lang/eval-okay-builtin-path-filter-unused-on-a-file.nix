# A single file has no entries to filter: the filter is never called.
builtins.path { path = ./data/hello.txt; filter = 1; }
