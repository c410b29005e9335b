# Large attribute sets: building 100k attributes, `//` merges in a loop, lookups.
with builtins;
let
  big = listToAttrs (genList (i: { name = "a${toString i}"; value = i; }) 100000);
  grown = foldl' (acc: i: acc // { "x${toString i}" = i; }) big (genList (x: x) 100);
  looked = foldl' (acc: i: acc + grown."a${toString i}") 0 (genList (x: x) 100000);
in
{ n = length (attrNames grown); inherit looked; has = grown ? a99999; }
