let f = builtins.toFile "f" "c"; in map builtins.hasContext [ (builtins.substring 0 5 f) (builtins.replaceStrings [ "nix" ] [ "xin" ] f) (toString [ f ]) (builtins.concatStringsSep "," [ f "x" ]) ]
