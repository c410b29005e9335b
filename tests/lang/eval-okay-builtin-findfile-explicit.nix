builtins.findFile [ { prefix = "d"; path = toString ./data; } ] "d/dir/a.txt"
