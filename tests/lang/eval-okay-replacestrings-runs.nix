# Runs of text with no pattern start between matches; patterns sharing a first byte,
# the first listed winning; multi-byte characters on both sides of a match.
builtins.replaceStrings [ "ab" "a" "é" "" ] [ "X" "Y" "E" "?" ] "xxabyyaééza"
