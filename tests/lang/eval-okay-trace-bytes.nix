# `trace` writes a string's bytes as they are, and those of a printed value too.
let s = builtins.substring 1 3 "é✓"; in
builtins.trace (builtins.substring 0 1 "é")
  (builtins.seq s (builtins.trace { n = s; } "done"))
