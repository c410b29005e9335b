# A large set (100 names) updated again and again with a few names at a time, as in
# overlays and `foldl'` accumulators: every intermediate set reads as the flat set it
# stands for, however long the chain, whichever side it is on, and lazily (the
# throwing values are never forced).
with builtins;
let
  big = listToAttrs (genList (i: { name = "k${toString i}"; value = "base${toString i}"; }) 100);
  step = acc: i: acc // {
    "k${toString (i * 13 - (i * 13 / 100) * 100)}" = "over${toString i}";
    "new${toString i}" = i;
    "lazy${toString i}" = throw "never forced ${toString i}";
  };
  chain = n: foldl' step big (genList (x: x + 1) n);
  c3 = chain 3;
  c40 = chain 40;
  strict = s: removeAttrs s (filter (n: substring 0 4 n == "lazy") (attrNames s));
  # The same set built flat, to compare with.
  flat40 = listToAttrs (map (n: { name = n; value = c40.${n}; }) (attrNames c40));
  view = s: {
    n = length (attrNames s);
    k0 = s.k0; k13 = s.k13; k26 = s.k26; k99 = s.k99;
    new1 = s.new1 or "absent";
    new40 = s.new40 or "absent";
    hasLazy = s ? lazy2;
    lazyFails = (tryEval s.lazy2).success;
    missing = s.nope or "default";
  };
  # Literal attributes keep their positions under and over the layers.
  posd = foldl' (acc: i: acc // {
      "p${toString i}" = i;
    })
    (big // { here = 1; })
    (genList (x: x) 10) // {
      there = 2;
    };
in {
  c3 = view c3;
  c40 = view c40;
  names3 = concatStringsSep "," (filter (n: substring 0 4 n != "lazy") (attrNames c3));
  equal = strict c40 == strict flat40;
  equalToOther = strict c40 == strict (chain 39);
  # On the right of `//`, and layered on both sides.
  right = view ({ k0 = "left"; zzz = 1; } // c40);
  both = view (c3 // c40);
  removed = attrNames (removeAttrs c3 [ "k0" "new1" "lazy1" "k5" ]) == filter (n: n != "k0" && n != "new1" && n != "lazy1" && n != "k5") (attrNames c3);
  intersected = intersectAttrs { k13 = 0; new2 = 0; lazy9 = 0; } c3;
  mapped = (mapAttrs (n: v: if substring 0 4 n == "lazy" then null else v) c3).k13;
  values = length (attrValues c40);
  json = toJSON (strict c3);
  posHere = (unsafeGetAttrPos "here" posd).line;
  posThere = (unsafeGetAttrPos "there" posd).line;
  posP3 = (unsafeGetAttrPos "p3" posd).line;
  posK1 = unsafeGetAttrPos "k1" posd;
  catted = catAttrs "k26" [ c3 c40 { } ];
  selfRef = let s = foldl' (acc: i: acc // { "r${toString i}" = s.k1 + "/${toString i}"; }) big (genList (x: x) 5); in s.r4;
}
