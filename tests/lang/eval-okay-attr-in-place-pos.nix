# An attribute's position is the same before and after it is evaluated in place.
let s = { a = 1 + 1; b = "x" + "y"; };
in [ (builtins.unsafeGetAttrPos "a" s) s.a (builtins.unsafeGetAttrPos "a" s) (builtins.unsafeGetAttrPos "b" (s // { })) ]
