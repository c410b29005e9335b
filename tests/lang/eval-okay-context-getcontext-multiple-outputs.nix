let d = derivation { name = "mo"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" ]; }; in builtins.getContext "${d.out}${d.dev}"
