# The patterns are forced first, then the replacements, then the string.
builtins.replaceStrings [ "a" (throw "from") ] [ (throw "to") "b" ] (throw "string")
