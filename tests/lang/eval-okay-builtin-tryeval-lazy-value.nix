(builtins.tryEval [ (throw "elem") ]).success
