builtins.toXML { type = "derivation"; drvPath = "/nix/store/d.drv"; outPath = "/nix/store/o"; name = "n"; }
