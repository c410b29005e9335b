{
  imports = [ [ ./declare-list.nix ] ];
}
