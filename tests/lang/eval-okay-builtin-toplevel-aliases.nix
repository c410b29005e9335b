[ (map (x: x + 1) [ 1 ]) (toString 2) (isNull null) (baseNameOf "/a/b") (removeAttrs { a = 1; } [ "a" ]) (dirOf "/a/b") (builtins.isFunction import) (builtins.isFunction derivation) ]
