let v = import ./lib/one.nix + v; in v
