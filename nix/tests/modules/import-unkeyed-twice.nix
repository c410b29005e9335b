let m = { list = [ "unkeyed" ]; }; in {
  imports = [ m m ./declare-list.nix ];
}
