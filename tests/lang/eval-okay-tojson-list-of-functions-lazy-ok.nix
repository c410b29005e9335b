builtins.toJSON (builtins.length [ (x: x) ])
