builtins.tryEval ((x: assert x > 5; x) 3)
