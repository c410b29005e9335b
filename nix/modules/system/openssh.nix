# services.openssh: sshd from the host's OpenSSH, host keys generated on first
# activation, authorized keys from users.users.<name>.openssh.authorizedKeys.
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.services.openssh;
  yesNo = b: if b then "yes" else "no";
in
{
  imports = [
    (lib.mkRenamedOptionModule [ "services" "openssh" "permitRootLogin" ] [ "services" "openssh" "settings" "PermitRootLogin" ])
    (lib.mkRenamedOptionModule [ "services" "openssh" "passwordAuthentication" ] [ "services" "openssh" "settings" "PasswordAuthentication" ])
  ];
  options.services.openssh = {
    enable = lib.mkEnableOption "the OpenSSH secure shell daemon";
    package = mkOption {
      type = types.either types.package types.str;
      default = pkgs.openssh or "/usr";
      defaultText = lib.literalExpression "pkgs.openssh or \"/usr\"";
      description = "The OpenSSH installation (its sbin/sshd and bin/ssh-keygen). Without `pkgs.openssh`, `/usr`: the host's Debian OpenSSH, which must then be visible inside the container.";
    };
    ports = mkOption { type = types.listOf types.port; default = [ 22 ]; description = "Ports sshd listens on."; };
    settings = mkOption {
      type = types.submodule {
        freeformType = types.attrsOf (types.oneOf [ types.str types.int types.bool ]);
        options = {
          PermitRootLogin = mkOption { type = types.enum [ "yes" "without-password" "prohibit-password" "forced-commands-only" "no" ]; default = "prohibit-password"; description = "Whether root may log in, and how."; };
          PasswordAuthentication = mkOption { type = types.bool; default = true; description = "Whether password logins are allowed."; };
        };
      };
      default = { };
      description = "sshd_config settings (booleans are written as yes/no).";
    };
  };
  config = lib.mkIf cfg.enable {
    users.users.sshd = { isSystemUser = true; group = "sshd"; description = "SSH privilege separation user"; };
    users.groups.sshd = { };
    environment.etc."ssh/sshd_config".text = lib.concatMapStrings (p: "Port ${toString p}\n") cfg.ports + ''
      HostKey /etc/ssh/ssh_host_ed25519_key
      HostKey /etc/ssh/ssh_host_rsa_key
      AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/authorized_keys.d/%u
      PidFile /run/sshd.pid
      UsePAM no
    '' + lib.concatStrings (lib.mapAttrsToList (k: v: "${k} ${if builtins.isBool v then yesNo v else toString v}\n") cfg.settings);
    systemd.services.sshd-keygen = {
      description = "SSH host key generation";
      wantedBy = [ "multi-user.target" ];
      serviceConfig = { Type = "oneshot"; RemainAfterExit = true; };
      script = ''
        mkdir -p /etc/ssh
        [ -e /etc/ssh/ssh_host_ed25519_key ] || ${cfg.package}/bin/ssh-keygen -q -t ed25519 -N "" -f /etc/ssh/ssh_host_ed25519_key
        [ -e /etc/ssh/ssh_host_rsa_key ] || ${cfg.package}/bin/ssh-keygen -q -t rsa -b 3072 -N "" -f /etc/ssh/ssh_host_rsa_key
      '';
    };
    systemd.services.sshd = {
      description = "OpenSSH server";
      wantedBy = [ "multi-user.target" ];
      after = [ "sshd-keygen" ];
      requires = [ "sshd-keygen" ];
      preStart = "mkdir -p /run/sshd /var/empty; chmod 0755 /run/sshd /var/empty";
      serviceConfig = { ExecStart = "${cfg.package}/sbin/sshd -D -e -f /etc/ssh/sshd_config"; Restart = "always"; RestartSec = 1; };
    };
  };
}
