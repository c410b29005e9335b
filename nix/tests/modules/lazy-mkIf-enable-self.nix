{ config, lib, ... }: {
  config = lib.mkIf (!config.enable) { enable = lib.mkForce false; };
}
