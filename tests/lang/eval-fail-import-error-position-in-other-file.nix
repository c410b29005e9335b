import ./lib/badadd.nix
