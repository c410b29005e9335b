builtins.getAttr "a b" (builtins.listToAttrs [ ])
