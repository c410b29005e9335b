builtins.scopedImport { } ./lib/relative.nix
