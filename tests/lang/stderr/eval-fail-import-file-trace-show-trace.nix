import ./lib-fails.nix
