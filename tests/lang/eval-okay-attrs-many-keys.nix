builtins.length (builtins.attrNames (builtins.listToAttrs (builtins.genList (i: { name = "k${toString i}"; value = i; }) 1000)))
