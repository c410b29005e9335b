# zipAttrsWith checks its function before it forces the list.
builtins.zipAttrsWith "f" (throw "the list")
