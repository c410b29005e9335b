# `abort` quotes its message's bytes as they are.
abort (builtins.substring 1 2 "é✓x")
