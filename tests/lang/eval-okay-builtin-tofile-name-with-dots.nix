builtins.toFile "config.file.json" (builtins.toJSON { a = 1; })
