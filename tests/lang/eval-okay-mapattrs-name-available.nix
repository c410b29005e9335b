builtins.attrValues (builtins.mapAttrs (n: v: n) { b = 1; a = 2; })
