{
  imports = [ { list = [ "from-attrset" ]; } ./declare-list.nix ];
}
