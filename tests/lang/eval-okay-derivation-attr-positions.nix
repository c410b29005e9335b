# Where the attributes `derivation` adds come from: Nix's //builtin/derivation.nix,
# and the caller's own attributes where the caller wrote them.
let
  d = derivation { name = "p"; system = "x"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; };
  at = n: builtins.unsafeGetAttrPos n d;
in
map (n: { inherit n; p = at n; }) [ "all" "drvAttrs" "outPath" "drvPath" "type" "outputName" "out" "dev" "builder" ]
