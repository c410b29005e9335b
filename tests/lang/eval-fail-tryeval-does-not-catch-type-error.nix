builtins.tryEval (1 + "x")
