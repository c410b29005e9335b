import ./data/dir/b.nix
