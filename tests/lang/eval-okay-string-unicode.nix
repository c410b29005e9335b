[ "café ✓" (builtins.stringLength "café") (builtins.stringLength "✓") ]
