let r = builtins.tryEval (throw "hidden"); in [ r.success r.value ]
