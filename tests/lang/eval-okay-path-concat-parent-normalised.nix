./data + "/../lib/one.nix"
