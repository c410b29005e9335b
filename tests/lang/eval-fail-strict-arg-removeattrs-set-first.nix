# removeAttrs forces the set, then the names.
builtins.removeAttrs (throw "the set") (throw "the names")
