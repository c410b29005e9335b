import ./nonexistent-file.nix
