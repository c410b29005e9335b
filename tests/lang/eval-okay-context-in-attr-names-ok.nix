let f = builtins.unsafeDiscardStringContext (builtins.toFile "k" "v"); in builtins.attrNames { ${f} = 1; }
