# Strings are bytes, as in Nix: "é" is two (0xc3 0xa9), and a string may hold half of
# it. Every operation keeps such bytes as they are, so cutting a string into bytes and
# joining them again gives it back; regular expressions see bytes too.
with builtins;
let
  s = "café ✓";
  half1 = substring 3 1 s; # 0xc3
  half2 = substring 4 1 s; # 0xa9
  chars = str: genList (i: substring i 1 str) (stringLength str);
  latin1 = readFile ./data/latin1.txt;
in {
  rejoined = concatStringsSep "" (chars s);
  rejoinedEq = concatStringsSep "" (chars s) == s;
  halves = [ half1 half2 (half2 + half1) "${half1}${half2}" (half1 + half2 == "é") ];
  lengths = map stringLength [ s half1 (half1 + half2) latin1 ];
  swapped = replaceStrings [ "é" ] [ "${half2}${half1}" ] s;
  emptyPattern = replaceStrings [ "" ] [ "." ] "aé";
  halfPattern = replaceStrings [ half2 ] [ "E" ] s;
  matchDot = [ (match "(.)" "é") (match "(..)" "é") (match "caf(.)(.*)" s) ];
  matchClass = match "([é]+)(.*)" "éé!";
  splitEmpty = split "" "é";
  splitHalf = split half1 s;
  hashes = [ (hashString "sha256" half1) (hashString "md5" (half1 + half2)) (hashString "sha1" latin1) ];
  json = toJSON [ half1 s { k = half2; } ];
  ordered = sort lessThan [ half2 half1 "z" "é" "e" ];
  compare = [ (half1 < half2) (half1 < "z") ("é" > half1) ];
  inSet = { ${"x"} = half1; y = [ half2 ]; };
  latin1 = latin1;
  latin1Words = split " " latin1;
  upper = replaceStrings [ "a" "é" ] [ "A" "É" ] s;
}
