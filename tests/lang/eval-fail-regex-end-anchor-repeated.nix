# `$` cannot be repeated either.
builtins.split "a$+" "a"
