builtins.toJSON [ { outPath = "/out"; other = 1; } { __toString = self: "ts"; } ]
