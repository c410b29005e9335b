let s = { a = 1; }; in { inherit (s)
  a b; }.b
