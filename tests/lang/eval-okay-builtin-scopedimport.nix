builtins.scopedImport { foo = 1; bar = 2; } ./lib/scoped.nix
