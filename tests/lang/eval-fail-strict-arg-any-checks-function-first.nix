# any checks its function before it forces the list.
builtins.any null (throw "the list")
