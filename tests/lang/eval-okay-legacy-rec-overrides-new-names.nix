# `__overrides` adding names (`a`, `d`) that sort before names it replaces: the
# replaced values are what the set's own bindings see, and the added names are not
# variables of the set (`e` finds the outer `a`).
let a = "outer"; in
rec {
  __overrides = { a = 1; c = 2; d = 4; x = 30; };
  b = 0;
  c = 3;
  x = c + 10;
  y = x + 1;
  z = c * 100;
  e = a;
}
