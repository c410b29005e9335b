builtins.abort "through builtins"
