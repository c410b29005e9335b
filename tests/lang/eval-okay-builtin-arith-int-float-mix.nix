[ (builtins.add 1 2.5) (builtins.sub 3 1) (builtins.mul 2.0 3) (builtins.div 7 2) ]
