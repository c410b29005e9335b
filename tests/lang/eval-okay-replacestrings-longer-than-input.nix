builtins.replaceStrings [ "abcdef" ] [ "x" ] "abc"
