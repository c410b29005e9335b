builtins.intersectAttrs { x = "first"; } { x = "second"; y = 0; }
