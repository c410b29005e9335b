# An attribute whose evaluation failed is evaluated again the next time it is read, also
# through a copy taken out of the set afterwards.
let
  s = { a = throw "boom"; b = 1; };
  t = s // { c = 2; };
in [ (builtins.tryEval s.a) (builtins.tryEval s.a) (builtins.tryEval t.a) s.b t.b ]
