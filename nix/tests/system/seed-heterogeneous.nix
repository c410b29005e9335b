import ./summary.nix { configuration = ./seed-config.nix; heterogeneous = true; }
