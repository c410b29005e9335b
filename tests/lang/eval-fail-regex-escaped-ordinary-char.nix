builtins.match "a\\d" "a1"
