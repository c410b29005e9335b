let a = import ./lib/attrs.nix; b = import ./lib/attrs.nix; in a == b
