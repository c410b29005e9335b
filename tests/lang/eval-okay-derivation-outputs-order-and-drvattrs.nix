let d = derivation { name = "o"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "bin" "out" ]; }; in [ d.outputName (map (o: o.outputName) d.all) d.drvAttrs.outputs ]
