builtins.toJSON { "ü" = "é✓"; }
