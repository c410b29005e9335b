# A character class cannot end a range.
builtins.match "[a-[:alpha:]]" "a"
