builtins.toJSON { outPath = "/o"; __toString = self: "ts"; }
