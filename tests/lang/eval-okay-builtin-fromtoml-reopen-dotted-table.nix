builtins.fromTOML "a.b = 1\n[a]\nc = 2\n[x.y.z]\nq = 1\n[x]\nr = 2"
