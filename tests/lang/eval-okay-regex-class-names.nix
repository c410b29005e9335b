# Character class names as the C++ library behind Nix reads them: the POSIX ones, its
# short `d`, `s` and `w` (digits, space, word characters), in any case.
let m = re: s: builtins.match re s; in {
  w = [ (m "([[:w:]]+)(.*)" "ab_9-x") (m "[[:w:]]" "-") (m "[[:W:]]" "_") ];
  d = [ (m "([[:d:]]+)(.*)" "123a") (m "[[:d:]]" "a") ];
  s = [ (m "([[:s:]]+)(.*)" " \tx") (m "[[:s:]]" "x") ];
  upper = [ (m "[[:ALPHA:]]+" "abc") (m "[[:Digit:]]+" "12") (m "[[:ALPHA:]]" "1") ];
  mixed = m "([[:alpha:][:d:]_]+)(.*)" "a1_ !";
  negated = m "([^[:s:]]+)(.*)" "ab c";
}
