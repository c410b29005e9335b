# `mapAttrs` and `zipAttrsWith` call `f name value`; a function `n: v: …` gets both
# arguments at once. What it returns may keep either argument (closures, unevaluated
# results), an argument it never uses is never evaluated, and each call's frame is its
# own even when the previous one was kept.
with builtins;
let
  s = { a = 1; b = 2; c = throw "never"; };
  kept = mapAttrs (n: v: x: "${n}${toString x}") s;
  lazy = mapAttrs (n: v: n) s;
  pairs = mapAttrs (n: v: { inherit n; v2 = if n == "c" then 0 else v * 2; }) s;
  zipped = zipAttrsWith (n: vs: { inherit n; count = length vs; }) [ { a = 1; } { a = 2; b = 3; } ];
  curried = mapAttrs (n: v: w: z: [ n w z ]) { p = 0; q = 0; };
in {
  kept = [ (kept.a 1) (kept.b 2) (kept.c 3) ];
  lazy = attrValues lazy;
  pairs = [ pairs.a pairs.b pairs.c.n pairs.c.v2 ];
  inherit zipped;
  curried = [ (curried.p 1 2) (curried.q 3 4) ];
  nested = mapAttrs (n: v: mapAttrs (m: w: n + m) { x = 0; y = 0; }) { i = 0; j = 0; };
}
