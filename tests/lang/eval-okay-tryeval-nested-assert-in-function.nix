let check = x: assert builtins.isInt x; x; in map (v: (builtins.tryEval (check v)).success) [ 1 "a" 2.0 ]
