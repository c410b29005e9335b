# A lazy, module-system-like fixpoint: 1000 overlays over a self-referential set,
# each adding options that read other options through `self`.
with builtins;
let
  fix = f: let x = f x; in x;
  extends = overlay: base: self: let super = base self; in super // overlay self super;
  overlay = i: self: super: {
    "opt${toString i}" = (if i == 0 then 0 else self."opt${toString (i - 1)}") + 1;
    count = super.count + 1;
    merged = super.merged // { "m${toString i}" = self.count; };
  };
  base = self: { count = 0; merged = { }; };
  final = fix (foldl' (acc: i: extends (overlay i) acc) base (genList (x: x) 1000));
in
{ inherit (final) count opt999; mergedSize = length (attrNames final.merged); sample = final.merged.m500; }
