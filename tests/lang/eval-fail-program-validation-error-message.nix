let validate = v: if builtins.isInt v then v else throw "not an int: ${builtins.typeOf v}"; in map validate [ 1 "a" ]
