builtins.scopedImport { toString = x: "shadowed"; } ./lib/usestostring.nix
