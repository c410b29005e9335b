# A character class cannot start a range.
builtins.match "[[:alpha:]-z]" "a"
