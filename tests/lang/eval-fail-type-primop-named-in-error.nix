builtins.attrNames builtins.map
