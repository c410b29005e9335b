# Options NixOS configurations commonly set that have no effect in a nest container,
# accepted so that such configurations evaluate unchanged. Each one that would change
# behaviour on NixOS but does nothing here says so with a warning instead of being
# ignored silently.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  fw = config.networking.firewall;
  ports = types.listOf types.port;
  ranges = types.listOf (types.submodule {
    options.from = mkOption { type = types.port; description = "First port of the range."; };
    options.to = mkOption { type = types.port; description = "Last port of the range."; };
  });
in
{
  options = {
    system.stateVersion = mkOption {
      type = types.str;
      default = "25.05";
      description = ''
        The NixOS release whose stateful defaults the configuration was written for.
        nest has no release-dependent defaults: the value is accepted and has no effect.
      '';
    };
    networking.firewall = {
      enable = mkOption {
        type = types.bool;
        default = false;
        description = ''
          Whether to filter incoming traffic inside the container. nest does not run a
          firewall inside containers (a container without `privateNetwork` shares the
          host's network, whose firewall is the host's business): `true` gives a warning.
        '';
      };
      allowedTCPPorts = mkOption { type = ports; default = [ ]; description = "TCP ports to open (every port is open in a nest container)."; };
      allowedUDPPorts = mkOption { type = ports; default = [ ]; description = "UDP ports to open (every port is open in a nest container)."; };
      allowedTCPPortRanges = mkOption { type = ranges; default = [ ]; description = "TCP port ranges to open (every port is open in a nest container)."; };
      allowedUDPPortRanges = mkOption { type = ranges; default = [ ]; description = "UDP port ranges to open (every port is open in a nest container)."; };
      trustedInterfaces = mkOption { type = types.listOf types.str; default = [ ]; description = "Interfaces whose traffic is always accepted (all are, in a nest container)."; };
    };
  };
  config.warnings =
    lib.optional fw.enable
      "networking.firewall.enable = true has no effect in a nest container: nest runs no firewall inside (use privateNetwork and forwardPorts to choose what the host exposes).";
}
