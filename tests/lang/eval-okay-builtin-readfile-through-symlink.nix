builtins.readFile ./data/dir/link
