builtins.tryEval [ (throw "lazy") ]
