builtins.split "a$" "aba"
