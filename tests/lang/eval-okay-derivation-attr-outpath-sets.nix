# Derivation attributes that are sets: `__toString` wins over `outPath`; an `outPath`
# that is itself a set with an `outPath` is followed; a derivation in `args`.
let
  dep = derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; };
  d = derivation {
    name = "sets";
    system = "x86_64-linux";
    builder = "/bin/sh";
    both = { __toString = self: "to-string"; outPath = "/not-used"; };
    nested = { outPath = { outPath = dep; }; };
    args = [ dep { outPath = "plain"; } ];
  };
in [ d.drvPath d.outPath ]
