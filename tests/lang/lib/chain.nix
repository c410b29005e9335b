import ./relative.nix
