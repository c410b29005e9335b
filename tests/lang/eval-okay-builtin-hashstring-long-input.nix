builtins.hashString "sha1" (builtins.concatStringsSep "" (builtins.genList (i: "abcdefghij") 100))
