builtins.unsafeGetAttrPos "value" (import ./lib/pos.nix)
