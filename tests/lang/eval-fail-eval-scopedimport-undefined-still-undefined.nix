builtins.scopedImport { foo = 1; } ./lib/scoped.nix
