# A set whose outPath is the set itself, interpolated: Nix's stack overflow error, not a crash.
"${let s = { outPath = s; }; in s}"
