builtins.fromJSON ''"café ✓"''
