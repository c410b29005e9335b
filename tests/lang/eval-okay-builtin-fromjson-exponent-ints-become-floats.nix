builtins.fromJSON "[ 1E2, 1.0, 5e0 ]"
