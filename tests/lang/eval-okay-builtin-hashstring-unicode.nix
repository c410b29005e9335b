builtins.hashString "sha256" "café ✓"
