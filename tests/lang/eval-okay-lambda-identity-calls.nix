# `x: x` called directly, through a name, on itself, on thunks and in builtins.
let
  id = x: x;
  xs = map (x: x) [ 3 1 2 ];
  lazy = builtins.length (map id [ (throw "never forced") ]);
in
[ (id 1) (id id 2) ((x: x) "s") (builtins.sort (a: b: a < b) xs) lazy
  (builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x) 100))
  (builtins.tryEval (id (throw "caught"))) ]
