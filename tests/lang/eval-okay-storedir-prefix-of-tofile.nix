let f = builtins.toFile "sd" "x"; in builtins.substring 0 (builtins.stringLength builtins.storeDir) f == builtins.storeDir
