{ outPath = "/some/path"; type = "not-derivation"; }
