{ inherit (builtins b; }
