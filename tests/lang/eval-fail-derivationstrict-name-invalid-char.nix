# A derivation name that makes no valid store path: reported without a position, as
# Nix reports it (the error comes from the store path, which has none).
builtins.derivationStrict { name = "d d"; system = "x"; builder = "/b"; }
