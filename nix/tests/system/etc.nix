# environment.etc (text, source, mode), environment.variables, networking.hosts,
# networking.hostName's default and override, system.activationScripts order.
let r = import ../../modules/eval-host.nix {
  configuration = {
    containers.e.config = {
      environment.etc."motd".text = "hello";
      environment.etc."app/conf" = { source = "/srv/app.conf"; mode = "0640"; user = "root"; group = "wheel"; };
      environment.etc."gone" = { enable = false; text = "x"; };
      environment.variables = { EDITOR = "vi"; XDG_DATA_DIRS = [ "/a" "/b" ]; };
      networking.hosts."10.0.0.1" = [ "gw" "gateway" ];
      system.activationScripts.late = { deps = [ "early" "etc" ]; text = "echo late"; };
      system.activationScripts.early = "echo early";
    };
    containers.named.config.networking.hostName = "other";
  };
}; c = r.checked.containers.e.config; in
{
  etc = r.lib.mapAttrs (_: e: { inherit (e) enable target text source mode user group; }) c.environment.etc;
  profile = c.environment.etc.profile.text;
  hosts = c.environment.etc.hosts.text or null;
  hostName = c.networking.hostName;
  otherHostName = r.checked.containers.named.config.networking.hostName;
  otherHostname = r.checked.containers.named.config.environment.etc.hostname.text;
  otherHosts = r.checked.containers.named.config.environment.etc.hosts.text;
  otherActivation = r.checked.containers.named.config.system.activationScript;
  activation = c.system.activationScript;
}
