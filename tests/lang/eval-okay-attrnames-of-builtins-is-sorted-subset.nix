let n = builtins.attrNames builtins; in [ (builtins.elem "map" n) (builtins.elem "toString" n) (builtins.head n == builtins.head (builtins.sort builtins.lessThan n)) ]
