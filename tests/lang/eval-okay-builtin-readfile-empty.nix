builtins.readFile ./data/empty.txt
