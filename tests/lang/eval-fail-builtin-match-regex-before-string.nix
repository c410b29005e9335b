builtins.match "(" (throw "string forced first")
