let lines = s: builtins.filter builtins.isString (builtins.split "\n" s); in builtins.concatStringsSep "|" (lines "one\ntwo\nthree")
