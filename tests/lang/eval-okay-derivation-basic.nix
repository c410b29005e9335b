let d = derivation { name = "hello"; system = "x86_64-linux"; builder = "/bin/sh"; }; in [ d.outPath d.drvPath d.name d.type d.system ]
