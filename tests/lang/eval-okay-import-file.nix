import ./lib/one.nix
