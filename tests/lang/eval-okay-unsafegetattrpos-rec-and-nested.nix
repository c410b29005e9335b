[ (builtins.unsafeGetAttrPos "b" rec { a = 1; b = a; }) (builtins.unsafeGetAttrPos "x" { x.y = 1; }) ]
