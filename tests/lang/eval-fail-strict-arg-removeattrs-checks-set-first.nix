# removeAttrs checks its set before it forces the names.
builtins.removeAttrs [ ] (throw "the names")
