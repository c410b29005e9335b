builtins.fromJSON "[ 1.5, -0.25, 1e3, 2.5E-2, 10.0, 0.1 ]"
