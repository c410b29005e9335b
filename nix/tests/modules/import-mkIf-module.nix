let lib = import ../../lib; in {
  imports = [ (lib.mkIf true { list = [ "mkIf-module" ]; }) ./declare-list.nix ];
}
