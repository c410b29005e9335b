[ (builtins.typeOf { __functor = s: x: x; }) (builtins.typeOf (builtins.add 1)) (builtins.typeOf builtins) ]
