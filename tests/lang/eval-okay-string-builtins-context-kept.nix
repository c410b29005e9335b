# toString, substring of the whole string and baseNameOf keep the argument's
# context; unsafeDiscardStringContext drops it; stringLength does not need a copy.
let
  p = builtins.toFile "ctx-kept" "text";
  s = "${p}/sub/file";
in {
  toStr = builtins.getContext (toString s);
  whole = builtins.getContext (builtins.substring 0 1000 s);
  part = builtins.substring 0 3 s;
  base = [ (baseNameOf s) (builtins.getContext (baseNameOf s)) ];
  discarded = builtins.hasContext (builtins.unsafeDiscardStringContext s);
  len = builtins.stringLength s;
  ints = map toString [ 0 (-7) 1234567890123 ];
}
