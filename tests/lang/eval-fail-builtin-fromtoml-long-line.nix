builtins.fromTOML ("a = " + builtins.concatStringsSep "" (builtins.genList (_: "1") 4000) + "x")
