builtins.concatStringsSep "" (builtins.genList (i: toString i) 30)
