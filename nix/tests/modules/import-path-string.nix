{
  imports = [ (toString ./declare-list.nix) ];
  list = [ "via-string" ];
}
