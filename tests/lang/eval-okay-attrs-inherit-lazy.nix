let s = { a = 1; b = throw "never"; }; in { inherit (s) a b; }.a
