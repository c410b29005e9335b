# An unknown character class name.
builtins.match "[[:word:]]+" "ab"
