[ (import ./lib/double.nix) ] == [ (import ./lib/double.nix) ]
