(derivation { name = "anysys"; system = "my-weird-system"; builder = "/bin/sh"; }).drvPath
