<langlib/one.nix>
