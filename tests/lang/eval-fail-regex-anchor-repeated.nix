# A repetition of the `^` anchor is an error in Nix's regular expressions.
builtins.match "^*a" "a"
