[ (import ./lib/attrs.nix).a (import ./lib/attrs.nix).c ]
