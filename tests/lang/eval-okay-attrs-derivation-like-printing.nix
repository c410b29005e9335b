{ type = "derivation"; name = "fake"; outPath = "/x"; }
