builtins.replaceStrings [ "x" ] [ (throw "forced") ] "abc"
