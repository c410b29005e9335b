let x = 1; in builtins.getAttr "y" { inherit x; ${"z"} = 2; }
