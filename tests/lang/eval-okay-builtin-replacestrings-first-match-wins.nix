builtins.replaceStrings [ "ab" "a" "abc" ] [ "X" "Y" "Z" ] "abcabda"
