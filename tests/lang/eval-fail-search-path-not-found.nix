<nest-no-such-entry/x.nix>
