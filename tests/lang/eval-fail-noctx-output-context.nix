let d = derivation { name = "d"; builder = "/bin/sh"; system = "x"; outputs = [ "b" "a" ]; }; in
builtins.hasAttr "${d.b}${d.a}" { }
