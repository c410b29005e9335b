let m = { key = "the-keyed-module"; list = [ "keyed" ]; }; in {
  imports = [ m m ./declare-list.nix ];
}
