{ config, lib, ... }: {
  imports = [ ./declare-list.nix ];
  config = if config.enable then { list = [ "enabled" ]; } else { };
}
