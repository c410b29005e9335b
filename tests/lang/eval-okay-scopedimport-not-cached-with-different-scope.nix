[ (builtins.scopedImport { foo = 1; bar = 1; } ./lib/scoped.nix) (builtins.scopedImport { foo = 2; bar = 2; } ./lib/scoped.nix) ]
