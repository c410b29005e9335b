builtins.toFile "u" "café ✓"
