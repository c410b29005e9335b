import <langlib/double.nix> 4
