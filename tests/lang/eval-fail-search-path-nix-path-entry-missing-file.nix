<langlib/missing.nix>
