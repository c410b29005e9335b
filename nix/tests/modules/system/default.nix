import ./module-list.nix
