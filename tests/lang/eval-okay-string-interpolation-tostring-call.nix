# `${toString …}` inside a string: integers, other values, a shadowed or
# selected toString, and a function that only looks like it.
let
  n = 42;
  xs = [ 1 "a" null true [ 2 3 ] ];
  drv = { outPath = "/p"; };
  fake = { toString = x: "fake${builtins.toString x}"; };
in
[
  "a${toString n}b"
  "${toString (-7)}"
  "${toString 9223372036854775807}|${toString (-9223372036854775807 - 1)}"
  "${toString xs}"
  "${toString 1.5}"
  "${toString drv}"
  "${builtins.toString 3}"
  "${fake.toString 4}"
  (let toString = x: "shadowed"; in "${toString 5}")
  (with builtins; "${toString 6}-${toString "s"}")
  "${toString n}${toString n}${toString n}${toString n}${toString n}"
  "${(x: toString x) 8}"
]
