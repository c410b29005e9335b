# While attribute `a` is being evaluated in place, taking it out of the set unforced
# (`attrValues`) gives a value that later reads see evaluated.
let
  s = { a = let v = builtins.attrValues s; in builtins.seq (builtins.length v) 5; b = 6; };
  vs = builtins.attrValues s;
in [ s.a (builtins.head vs) (builtins.elemAt vs 1) ]
