builtins.unsafeGetAttrPos "zz" { a = 1; }
