import ./summary.nix { configuration = ./seed-config.nix; }
