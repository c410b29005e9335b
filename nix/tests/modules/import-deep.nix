{
  imports = [ { imports = [ { imports = [ { list = [ "deep" ]; } ]; } ]; } ./declare-list.nix ];
}
