# An error in `n: v: …` called by `mapAttrs`: the frames `--show-trace` prints are
# those of the inner function's call, as when the two arguments are passed one by one.
let f = n: v: if n == "b" then throw "bad ${n}" else v; in
builtins.attrValues (builtins.mapAttrs f { a = 1; b = 2; })
