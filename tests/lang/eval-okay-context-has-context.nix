let f = builtins.toFile "f" "c"; in [ (builtins.hasContext f) (builtins.hasContext "plain") (builtins.hasContext "${f}/sub") ]
