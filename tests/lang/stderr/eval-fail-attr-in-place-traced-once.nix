# Each attribute is evaluated once, whether read in place, through a `//` copy of a set
# something else still holds, or after being moved into a `//` result: one trace line each.
let
  t = { a = builtins.trace "a" 1; } // { b = builtins.trace "b" 2; };
  s = { c = builtins.trace "c" 3; };
  u = s // { d = 4; };
  m = builtins.mapAttrs (n: v: builtins.trace "m.${n}" v) { x = 1; };
  w = m // { y = 2; };
in builtins.deepSeq [ t.a t.a t.b t.b s.c u.c u.c w.x m.x w.x ] (throw "done")
