import ./summary.nix { configuration = ./seed-old-config.nix; }
