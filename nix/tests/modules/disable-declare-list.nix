{
  disabledModules = [ ./declare-list.nix ];
}
