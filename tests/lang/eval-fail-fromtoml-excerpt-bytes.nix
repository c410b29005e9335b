# A TOML error's excerpt shows the line's bytes, and its column counts bytes.
builtins.fromTOML ("a = 1\nb" + builtins.substring 1 2 "é✓" + " = 2\n")
