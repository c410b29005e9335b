(import ./lib/curpos.nix).pos
