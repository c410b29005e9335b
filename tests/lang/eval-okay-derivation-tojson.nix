builtins.toJSON (derivation { name = "json"; system = "x86_64-linux"; builder = "/bin/sh"; })
