[ (builtins.substring 0 100 "short") (builtins.substring 5 1 "short") (builtins.substring 4 1 "short") ]
