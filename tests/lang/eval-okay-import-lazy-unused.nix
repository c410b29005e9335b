let x = import ./lib/throws.nix; in "not forced"
