[ (builtins.map (x: x)) builtins.add (builtins.add 1) ]
