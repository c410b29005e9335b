builtins.replaceStrings [ "a" ] [ 1 ] (throw "string")
