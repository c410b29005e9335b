let d = derivation { name = "p"; system = "x86_64-linux"; builder = "/bin/sh"; meta = "m"; }; in [ d.meta d.builder (builtins.isAttrs d) ]
