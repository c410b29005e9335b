(import ./lib/fnargs.nix { b = 10; }).b
