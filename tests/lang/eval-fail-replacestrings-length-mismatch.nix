builtins.replaceStrings [ "a" "b" ] [ "x" ] "ab"
