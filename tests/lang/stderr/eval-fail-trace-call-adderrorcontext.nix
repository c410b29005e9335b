let f = x: builtins.addErrorContext "ctx ${x}" (x + 1); in f "a"
