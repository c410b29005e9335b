builtins.fromTOML "[a]\nb = 1\n\n[a]\nc = 2"
