builtins.genericClosure (builtins.mapAttrs (n: v: v) { a = 1; })
