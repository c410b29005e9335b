with builtins; [ (replaceStrings [ "a" "b" ] [ "1" "2" ] "abcab") (replaceStrings [ "oo" ] [ "0" ] "foo boo") (replaceStrings [ ] [ ] "same") ]
