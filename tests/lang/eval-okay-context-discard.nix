let f = builtins.toFile "f" "c"; s = builtins.unsafeDiscardStringContext "${f}"; in [ s (builtins.hasContext s) ]
