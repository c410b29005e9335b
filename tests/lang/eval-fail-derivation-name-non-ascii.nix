# The same for a derivation's name: the first byte of "✓", as it is, and no position.
derivation { name = "ok-✓"; system = "x86_64-linux"; builder = "/bin/sh"; }
