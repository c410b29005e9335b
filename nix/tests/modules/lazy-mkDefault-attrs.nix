{ lib, ... }: {
  imports = [ ./declare-list.nix ];
  config = lib.mkDefault { list = [ "default-prio" ]; };
}
