# An unknown hash algorithm's name is quoted with its bytes as they are.
builtins.hashString (builtins.substring 0 4 "sha✓") "x"
