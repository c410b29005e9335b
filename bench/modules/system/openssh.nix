# Benchmark stand-in: services.openssh.
{ config, lib, ... }:
let inherit (lib) mkOption mkIf types; cfg = config.services.openssh; in
{
  options.services.openssh = {
    enable = lib.mkEnableOption "the OpenSSH daemon";
    ports = mkOption { type = types.listOf types.port; default = [ 22 ]; };
    settings = mkOption {
      default = { };
      type = types.submodule {
        freeformType = types.attrsOf (types.oneOf [ types.str types.int types.bool ]);
        options.PermitRootLogin = mkOption { type = types.enum [ "yes" "no" "prohibit-password" ]; default = "prohibit-password"; };
        options.PasswordAuthentication = mkOption { type = types.bool; default = true; };
      };
    };
  };
  config = mkIf cfg.enable {
    assertions = [ { assertion = cfg.ports != [ ]; message = "services.openssh.ports must not be empty"; } ];
    networking.firewall.allowedTCPPorts = cfg.ports;
    systemd.services.sshd = {
      description = "SSH Daemon";
      wantedBy = [ "multi-user.target" ];
      after = [ "network.target" ];
      serviceConfig.ExecStart = "sshd -D " + lib.concatMapStringsSep " " (p: "-p ${toString p}") cfg.ports;
    };
    environment.etc."ssh/sshd_config".text = lib.concatStringsSep "\n" (lib.mapAttrsToList
      (n: v: "${n} ${if builtins.isBool v then (if v then "yes" else "no") else toString v}") cfg.settings);
    environment.etc."ssh/authorized_keys.d".text = lib.concatStringsSep "\n"
      (lib.concatMap (u: u.openssh.authorizedKeys.keys) (builtins.attrValues config.users.users));
  };
}
