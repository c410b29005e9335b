# A value taken out while its attribute is being evaluated, when that evaluation fails:
# forcing it later evaluates the attribute again, and fails again.
let
  s = { a = let v = builtins.attrValues s; in if builtins.length v > 0 then throw "boom" else 1; };
  first = builtins.tryEval s.a;
in [ first.success (builtins.tryEval (builtins.head (builtins.attrValues s))).success (builtins.tryEval s.a).success ]
