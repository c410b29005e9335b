builtins.path { path = toString ./data/dir/sub; }
