# A set typed "derivation" without a string drvPath prints as <repeated />, as in Nix 2.8.
builtins.toXML [ { type = "derivation"; a = 1; } { type = "derivation"; drvPath = 3; } ]
