"x${builtins.add}"
