{ a = 1; } // "${builtins.toFile "f" "c"}"
