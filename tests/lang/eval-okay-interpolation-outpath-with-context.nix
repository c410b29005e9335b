let d = derivation { name = "i"; system = "x86_64-linux"; builder = "/bin/sh"; }; in builtins.hasContext "${d}/bin/x"
