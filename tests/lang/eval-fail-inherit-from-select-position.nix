let s = { }; in {
  a = 1;
  inherit (s) x;
}.x
