# `--strict --json` forces only what it prints: a set with an outPath is that string,
# so its other attributes are never evaluated.
{ a = { outPath = "x"; b = throw "never forced"; }; s = { __toString = self: "y"; c = throw "nor this"; }; }
