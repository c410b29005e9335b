builtins.findFile builtins.nixPath "langlib/one.nix"
