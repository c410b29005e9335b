let s = { foo = "bar"; }; in builtins.getAttr (builtins.head (builtins.attrNames s)) s
