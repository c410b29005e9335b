# `concatLists` with one non-empty list returns that list itself (printing shows it as
# «repeated»), as `++` with an empty side does; `concatMap` always copies. Lists of up
# to two elements are told apart by their cell, so they never print as «repeated».
let
  l = [ 1 2 3 ];
  s = [ 1 2 ];
in [
  l
  (builtins.concatLists [ l ])
  (builtins.concatLists [ [ ] l [ ] ])
  (builtins.concatLists [ l [ ] l ])
  (builtins.concatMap (x: x) [ l ])
  (l ++ [ ])
  ([ ] ++ l)
  (l ++ [ 4 ])
  s
  (builtins.concatLists [ s ])
  (builtins.concatLists [ ])
]
