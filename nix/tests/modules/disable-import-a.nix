{
  disabledModules = [ ./import-list-a.nix ];
}
