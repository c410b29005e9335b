builtins.getAttr "x" { }
