# Strings: interpolation, concatStringsSep, replaceStrings and toJSON of a big value.
with builtins;
let
  items = genList (i: { id = i; name = "item-${toString i}"; tags = [ "a" "b" (toString (i * 7)) ]; ok = i / 2 * 2 == i; }) 100000;
  json = toJSON items;
  csv = concatStringsSep "\n" (map (x: "${toString x.id},${x.name}") items);
  replaced = replaceStrings [ "item" "," ] [ "thing" ";" ] csv;
in
{ jsonLength = stringLength json; csvLength = stringLength csv; replacedLength = stringLength replaced; }
