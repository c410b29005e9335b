builtins.fromTOML "a = 1e400\nb = -1e400\nc = 1e-400\nd = 1_000.5e-1_0"
