let d = derivation { name = "pathenv"; system = "x86_64-linux"; builder = ./data/hello.txt; }; in d.builder
