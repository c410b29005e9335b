{
  imports = [ ({ lib, ... }: { list = [ "from-function" ]; }) ./declare-list.nix ];
}
