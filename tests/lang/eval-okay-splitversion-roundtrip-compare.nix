with builtins; map (v: concatStringsSep "." (splitVersion v)) [ "1.2.3" "1.2pre3" "a-b" ]
