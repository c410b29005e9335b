builtins.getAttr "y" (rec { })
