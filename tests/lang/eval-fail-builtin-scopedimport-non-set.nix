builtins.scopedImport 1 ./lib/one.nix
