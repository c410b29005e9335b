# Nix 2.8 parses `a - b`, `-a`, `a * b`, `a / b` and the comparisons as calls of
# `__sub`, `__mul`, `__div` and `__lessThan`, found where the operator stands: a binding
# of the program's own by that name is called instead of the builtin. Outside its scope
# (`outside`) the builtins are used.
let
  outside = x: [ (x - 1) (x * 2) (x / 2) (-x) (x < 5) (x >= 5) ];
in
let
  __sub = a: b: "sub ${toString a} ${toString b}";
  __mul = a: b: "mul ${toString a} ${toString b}";
  __div = a: b: "div ${toString a} ${toString b}";
  __lessThan = a: b: !(builtins.lessThan a b);
in
[ (5 - 1) (-3) (2 * 3) (6 / 2) (1 < 2) (2 > 1) (1 <= 2) (1 >= 2) (outside 4) ]
