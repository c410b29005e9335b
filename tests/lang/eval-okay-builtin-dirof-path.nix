builtins.dirOf ./data/dir/a.txt
