builtins.add < "a"
