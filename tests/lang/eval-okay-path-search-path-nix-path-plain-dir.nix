import <one.nix>
