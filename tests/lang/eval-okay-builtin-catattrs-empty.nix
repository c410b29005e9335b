[ (builtins.catAttrs "x" [ ]) (builtins.catAttrs "x" [ { y = 1; } ]) ]
