# Nix's regular expressions see bytes: a non-ASCII character in a pattern or a string
# is several, `.` matches one byte, and a bracket expression lists bytes.
with builtins;
let
  half = substring 0 1 "é"; # the first byte of "é"
in {
  dots = map (s: match "(.*)(.)" s) [ "é" "aé" "✓" ];
  counted = map (s: match ".{2}" s) [ "é" "ab" "a" ];
  bracket = [ (match "([é]*)" "é") (match "([é])" "é") (match "[^é]*" "aé") (match "([^é]+)(.*)" "abé") ];
  literal = [ (match "caf(é)" "café") (match "(.)(é)" "xé") ];
  halfPattern = [ (match "(${half})(.)" "é") (split half "aébé") ];
  splitDot = split "." "é";
  classes = [ (match "([[:alpha:]]*)(.*)" "abé") (match "([[:space:]])(.*)" " é") ];
  anchors = [ (match "é$" "é") (split "$" "é") (split "^" "é") ];
  ranges = [ (match "([a-z]+)(.*)" "abcé") ];
}
