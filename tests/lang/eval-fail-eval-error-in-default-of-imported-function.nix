import ./lib/fnargs.nix { a = "s"; }
