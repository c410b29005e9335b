let a = import ./lib/traced.nix; b = import ./lib/../lib/traced.nix; in a == b
