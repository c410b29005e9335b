# A derivation holds itself (`out`, `all`): printed once, then «repeated».
let
  d = derivation { name = "x"; system = "x86_64-linux"; builder = "/bin/sh"; all = 1; out = 2; };
in
[ d d.out.out.outputName (builtins.length d.all) ]
