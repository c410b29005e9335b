import ./lib/chain.nix
