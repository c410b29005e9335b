builtins.readFile ./lib/one.nix
