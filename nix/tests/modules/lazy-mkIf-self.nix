{ config, lib, ... }: {
  imports = [ ./declare-list.nix ];
  config = lib.mkIf config.enable { list = [ "enabled" ]; };
}
