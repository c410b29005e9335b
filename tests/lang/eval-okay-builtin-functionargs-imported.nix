builtins.functionArgs (import ./lib/fnargs.nix)
