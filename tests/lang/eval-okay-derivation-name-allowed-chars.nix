(derivation { name = "a+b=c_d.e?f-1"; system = "x86_64-linux"; builder = "/bin/sh"; }).outPath
