{ config, lib, ... }: {
  imports = [ ./declare-list.nix ];
  config = lib.mkMerge [
    (lib.mkIf config.enable { list = [ "on" ]; })
    (lib.mkIf (!config.enable) { list = [ "off" ]; })
    { list = [ "always" ]; }
  ];
}
