let p = "${builtins.toFile "x" "hi"}"; in {
  # Context is allowed where Nix only needs the text.
  match = builtins.match "/nix/store/.*" p;
  split = builtins.length (builtins.split "-" p);
  sep = builtins.concatStringsSep p [ "a" ];
  # Without context the same names work.
  has = builtins.hasAttr (builtins.unsafeDiscardStringContext p) { ${builtins.unsafeDiscardStringContext p} = 1; };
  path = /. + (builtins.unsafeDiscardStringContext p);
}
