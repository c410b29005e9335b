# Attributes evaluated in place in their set keep Nix's value-cell identity when copied
# out: a small list forced before `//` or `attrValues` prints as «repeated» in the copy.
let s = { l = [ 1 ]; k = [ 1 2 3 ]; m = [ ]; };
in builtins.seq s.l (builtins.seq s.k [ s (s // { x = 1; }) (builtins.attrValues s) ])
