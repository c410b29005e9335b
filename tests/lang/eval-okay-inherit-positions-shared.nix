let s = { a = 1; b = 2; c = 3; }; a = 1; b = 2; in map (n: builtins.unsafeGetAttrPos n { inherit   a
  b; inherit (s)  c; }) [ "a" "b" "c" ]
