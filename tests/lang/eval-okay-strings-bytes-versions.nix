# Version and output-name builtins on strings that are not UTF-8 (halves of "é"):
# their parts keep the bytes, and `placeholder` hashes them.
with builtins;
let
  h1 = substring 0 1 "é";
  h2 = substring 1 1 "é";
in {
  parsed = parseDrvName "pkg${h1}-1.${h2}";
  split = splitVersion "1.${h1}2-${h2}x";
  compared = [ (compareVersions "1.${h1}" "1.${h2}") (compareVersions "1${h2}" "1${h1}") (compareVersions h1 h1) ];
  placeholders = [ (placeholder h1) (placeholder "${h1}${h2}") (placeholder "é") ];
}
