map (v: (derivation { name = "v"; system = "x86_64-linux"; builder = "/bin/sh"; x = v; }).drvPath) [ null true false "" "1" 1 ]
