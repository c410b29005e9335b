{
  imports = [ ./declare-list.nix ./import-list-a.nix ];
  list = [ "b" ];
}
