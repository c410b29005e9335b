{
  imports = [ ./declare-list.nix ];
  list = [ "a" ];
}
