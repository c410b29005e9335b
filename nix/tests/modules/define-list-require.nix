{
  require = [ ./declare-list.nix ];
  list = [ "required" ];
}
