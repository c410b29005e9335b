# Benchmark stand-in: host name, firewall ports.
{ config, lib, ... }:
let inherit (lib) mkOption types; in
{
  options.networking = {
    hostName = mkOption { type = types.strMatching "[a-zA-Z0-9-]+"; default = "nixos"; };
    firewall.enable = mkOption { type = types.bool; default = true; };
    firewall.allowedTCPPorts = mkOption { type = types.listOf types.port; default = [ ]; };
  };
  config.environment.etc.hostname.text = config.networking.hostName + "\n";
}
