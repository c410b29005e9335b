let validate = v: if builtins.isInt v then v else throw "not an int: ${builtins.typeOf v}"; in map (v: (builtins.tryEval (validate v)).success) [ 1 "a" 2 ]
