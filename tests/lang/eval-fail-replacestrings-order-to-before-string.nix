builtins.replaceStrings [ "a" ] [ (throw "to") ] (throw "string")
