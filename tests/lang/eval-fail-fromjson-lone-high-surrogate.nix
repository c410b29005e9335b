builtins.fromJSON "\"\\ud800x\""
