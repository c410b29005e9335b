# Which comparisons of built-in functions inside lists and sets are by cell: a
# variable, a `let` binding of a variable, and an argument that is a variable all
# share the global built-in's cell; a selection, a partial application and an
# attribute of a set are cells of their own, whether forced first or not.
let
  a = builtins.map;
  m = map;
  p = map (x: x);
  s = { a = builtins.map; b = map; };
in [
  ([ m ] == [ map ])
  ([ (map) ] == [ map ])
  (builtins.seq a ([ a ] == [ map ]))
  (builtins.seq a ([ a ] == [ a ]))
  ((x: [ x ] == [ map ]) map)
  ((x: [ x ] == [ map ]) builtins.map)
  ([ a ] == [ map ])
  ([ (map (x: x)) ] == [ (map (x: x)) ])
  ([ p ] == [ p ])
  (builtins.seq p ([ p ] == [ p ]))
  ({ f = map; n = 1; } == { f = map; n = 1; })
  ([ s.a ] == [ s.a ])
  (builtins.seq s.a ([ s.a ] == [ map ]))
  ([ s.b ] == [ map ])
  ({ x = s.b; } == { x = map; })
  ([ builtins.toString ] == [ toString ])
  (map == map)
]
