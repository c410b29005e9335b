# Benchmark stand-in: services.nginx with virtual hosts.
{ config, lib, ... }:
let inherit (lib) mkOption mkIf types; cfg = config.services.nginx; in
{
  options.services.nginx = {
    enable = lib.mkEnableOption "nginx";
    virtualHosts = mkOption {
      default = { };
      type = types.attrsOf (types.submodule ({ name, ... }: {
        options.serverName = mkOption { type = types.str; default = name; };
        options.root = mkOption { type = types.nullOr types.str; default = null; };
        options.listen = mkOption { type = types.listOf (types.submodule { options.port = mkOption { type = types.port; default = 80; }; options.addr = mkOption { type = types.str; default = "0.0.0.0"; }; }); default = [ { } ]; };
      }));
    };
  };
  config = mkIf cfg.enable {
    networking.firewall.allowedTCPPorts = lib.unique (lib.concatMap (v: map (l: l.port) v.listen) (builtins.attrValues cfg.virtualHosts));
    systemd.services.nginx = { description = "Nginx"; wantedBy = [ "multi-user.target" ]; script = "nginx"; };
    environment.etc."nginx/nginx.conf".text = lib.concatStrings (lib.mapAttrsToList (n: v: ''
      server { server_name ${v.serverName}; ${lib.concatMapStrings (l: "listen ${l.addr}:${toString l.port}; ") v.listen}${lib.optionalString (v.root != null) "root ${v.root};"} }
    '') cfg.virtualHosts);
    users.users.nginx = { uid = 60; };
  };
}
