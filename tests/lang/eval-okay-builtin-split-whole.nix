builtins.split "abc" "abc"
