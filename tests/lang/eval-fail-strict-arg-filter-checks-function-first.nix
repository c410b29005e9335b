# filter checks that its function is one before it forces the list.
builtins.filter 1 (throw "the list")
