builtins.readDir ./data/dir/sub
