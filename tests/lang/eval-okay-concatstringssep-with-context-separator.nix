builtins.hasContext (builtins.concatStringsSep (builtins.toFile "sep" "s") [ "a" "b" ])
