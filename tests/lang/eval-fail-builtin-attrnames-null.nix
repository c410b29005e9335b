builtins.attrNames null
