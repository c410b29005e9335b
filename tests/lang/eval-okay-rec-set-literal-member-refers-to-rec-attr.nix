let s = rec { a = { b = a; }; }; in [ (s.a.b ? b) (builtins.isAttrs s.a.b) ]
