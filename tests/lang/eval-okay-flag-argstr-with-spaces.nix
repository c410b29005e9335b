{ s }: builtins.stringLength s
