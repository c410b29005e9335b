# `(?:` is not a non-capturing group there either.
builtins.match "a(?:b)" "ab"
