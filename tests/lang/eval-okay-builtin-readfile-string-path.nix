builtins.readFile (toString ./data/dir/a.txt)
