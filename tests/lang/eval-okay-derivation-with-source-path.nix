let d = derivation { name = "src"; system = "x86_64-linux"; builder = "/bin/sh"; src = ./data/hello.txt; }; in d.drvPath
