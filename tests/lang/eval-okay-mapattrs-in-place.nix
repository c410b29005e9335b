# mapAttrs' results are evaluated in place in the result set; positions stay absent and
# a failing element is evaluated again when read again.
let
  m = builtins.mapAttrs (n: v: if v == 0 then throw "zero" else n + toString v) { a = 1; b = 0; c = 3; };
in [ m.a (builtins.tryEval m.b) (builtins.tryEval m.b) m.c (builtins.unsafeGetAttrPos "a" m) (builtins.attrNames m) ]
