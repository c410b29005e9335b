# Selecting the same attribute twice gives two cells: a function in them compares
# unequal, values compare by content, a set or list shared by both compares equal.
let
  s = { f = x: x; n = 1; str = "a"; set = { g = y: y; }; list = [ (z: z) ]; };
  forced = builtins.seq s.f (builtins.seq s.set (builtins.seq s.list s));
in
[
  ([ forced.f ] == [ forced.f ])
  ({ a = forced.f; } == { a = forced.f; })
  ([ forced.n ] == [ forced.n ])
  ([ forced.str ] == [ forced.str ])
  ([ forced.set ] == [ forced.set ])
  ({ a = forced.list; } == { a = forced.list; })
  (let t = forced; in [ t.f t.n ] == [ t.f t.n ])
]
