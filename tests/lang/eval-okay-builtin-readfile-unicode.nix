builtins.readFile ./data/unicode.txt
