map (e: e.prefix) builtins.nixPath
