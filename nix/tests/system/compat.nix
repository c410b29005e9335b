# Options NixOS configurations commonly set: accepted; the ones without effect in nest
# that would change behaviour on NixOS give warnings.
let
  eval = config: import ../../modules/eval-host.nix { configuration = { containers.c.config = config; }; };
  quiet = (eval {
    system.stateVersion = "23.11";
    networking.firewall.allowedTCPPorts = [ 80 443 ];
    networking.firewall.allowedUDPPortRanges = [ { from = 6000; to = 6010; } ];
    time.timeZone = "UTC";
  }).config.containers.c.config;
  loudHost = eval {
    networking.firewall.enable = true;
    time.timeZone = "Europe/Berlin";
  };
  loud = loudHost.config.containers.c.config;
in
{
  stateVersion = quiet.system.stateVersion;
  ports = quiet.networking.firewall.allowedTCPPorts;
  quietWarnings = quiet.warnings;
  loudWarnings = loud.warnings;
  hostWarnings = loudHost.config.warnings;
}
