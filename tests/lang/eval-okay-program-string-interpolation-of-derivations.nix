let d = derivation { name = "tool"; system = "x86_64-linux"; builder = "/bin/sh"; }; in "${d}/bin/tool --flag"
