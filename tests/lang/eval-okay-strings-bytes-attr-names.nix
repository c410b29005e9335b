# Attribute names are strings too, so bytes: a name may hold half of "é" (one byte,
# 0xc3), and it stays that byte when listed, printed, looked up or turned into JSON;
# it is not the name "�" (U+FFFD, the replacement character).
with builtins;
let
  half = substring 0 1 "é";
  other = substring 1 1 "é";
  s = { ${half} = 1; "${half}x" = 2; "é" = 3; ${other} = 4; "�" = 5; };
in {
  names = attrNames s;
  printed = s;
  json = toJSON s;
  lookups = [ s.${half} (getAttr half s) (hasAttr half s) (s ? ${"${half}x"}) (s ? "�") (s."�") ];
  removed = attrNames (removeAttrs s [ half "é" ]);
  listed = listToAttrs [ { name = half; value = "h"; } { name = other; value = "o"; } ];
  mapped = attrValues (mapAttrs (n: v: n) s);
  grouped = groupBy (x: substring 0 1 x) [ "é" "éa" "a" ];
  caught = catAttrs half [ s { ${half} = 9; } { } ];
  zipped = attrNames (zipAttrsWith (n: vs: vs) [ s { ${other} = 0; } ]);
  intersected = attrNames (intersectAttrs { ${half} = 0; "é" = 0; } s);
}
