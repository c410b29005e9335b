let s = builtins.mapAttrs (n: v: v + 1) { a = "x"; }; in s.a
