builtins.split "(" (throw "string forced first")
