builtins.split "^a" "aba"
