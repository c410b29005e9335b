(import ./one.nix) + 10
