builtins.typeOf (derivation { name = "cs"; system = builtins.currentSystem; builder = "/bin/sh"; }).drvPath
