builtins.getContext (builtins.derivationStrict { name = "dsc"; system = "x86_64-linux"; builder = "/bin/sh"; }).out
