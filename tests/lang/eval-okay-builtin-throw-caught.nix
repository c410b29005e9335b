(builtins.tryEval (throw "caught")).success
