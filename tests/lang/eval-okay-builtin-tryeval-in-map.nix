map (x: (builtins.tryEval (if x == 2 then throw "two" else x)).value) [ 1 2 3 ]
