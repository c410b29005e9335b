# catAttrs checks the name before it forces the list.
builtins.catAttrs { } (throw "the list")
