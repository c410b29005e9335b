builtins.split "a*" "bab"
