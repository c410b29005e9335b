builtins.scopedImport { foo = 10; bar = 5; } ./lib/scoped.nix * 2
