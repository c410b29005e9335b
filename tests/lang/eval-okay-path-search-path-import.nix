import <langlib/double.nix> 21
