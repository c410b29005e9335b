{ type = "derivation"; outPath = "/nix/store/x"; drvPath = "/d"; }
