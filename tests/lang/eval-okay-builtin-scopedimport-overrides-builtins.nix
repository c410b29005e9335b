builtins.scopedImport { foo = "a"; bar = "b"; builtins = { }; } ./lib/scoped.nix
