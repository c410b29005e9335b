import ./lib/fnargs.nix { c = 1; }
