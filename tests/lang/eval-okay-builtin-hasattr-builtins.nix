[ (builtins.hasAttr "map" builtins) (builtins.hasAttr "nonexistentBuiltin" builtins) ]
