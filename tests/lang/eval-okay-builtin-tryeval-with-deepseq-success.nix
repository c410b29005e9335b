builtins.tryEval (builtins.deepSeq { a = 1; } "fine")
