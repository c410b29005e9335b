{
  disabledModules = [ "the-keyed-module" ];
}
