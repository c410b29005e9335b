builtins.path { path = ./data/dir/sub; } == "${./data/dir/sub}"
