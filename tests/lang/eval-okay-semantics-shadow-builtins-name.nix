let map = "shadowed"; in [ map (builtins.map (x: x) [ 1 ]) ]
