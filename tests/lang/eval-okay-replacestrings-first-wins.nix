# A pattern listed first wins over a longer one with the same start; nothing matches
# at the end; a replacement is taken once per match.
[
  (builtins.replaceStrings [ "a" "ab" ] [ "1" "2" ] "ababab--b")
  (builtins.replaceStrings [ "zz" ] [ "q" ] "no match here é")
  (builtins.replaceStrings [ "é" "ü" ] [ "e" "u" ] "éüéü plain ü")
  (builtins.replaceStrings [ ] [ ] "unchanged")
]
