# `//` between a large set (200 names) and a small one (10, 2 or 1), either way round:
# the small side's names land before, between, over and after the large side's,
# including names that are prefixes of others ("a" < "a0" < "a00" < "a1") and "".
with builtins;
let
  big = listToAttrs (genList (i: { name = "a${toString i}"; value = "big${toString i}"; }) 200);
  small = { "" = "s-empty"; a = "s-a"; a0 = "s-a0"; a00 = "s-a00"; a17 = "s-a17"; a199 = "s-a199"; a59 = "s-a59"; a6 = "s-a6"; b = "s-b"; "a5\n" = "s-nl"; };
  one = { a33 = "one"; };
  check = s: { n = length (attrNames s); names = concatStringsSep "," (attrNames s); values = concatStringsSep "," (attrValues s); };
in {
  bigSmall = check (big // small);
  smallBig = check (small // big);
  bigOne = check (big // one);
  oneBig = check (one // big);
  bigEmpty = check (big // { });
  emptyBig = check ({ } // big);
  chain = check (foldl' (acc: i: acc // { "a${toString (i * 7)}" = "step${toString i}"; "c${toString i}" = toString i; }) big (genList (x: x) 9));
}
