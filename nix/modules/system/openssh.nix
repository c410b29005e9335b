# services.openssh: the host's OpenSSH (Debian's openssh-server) imported into the
# store with pkgs.hostPackage, its privilege-separation user and directories, host
# keys generated on first activation (kept in the container's root), and authorized
# keys from users.users.<name>.openssh.authorizedKeys (written by users.nix).
{ config, lib, pkgs, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.services.openssh;
  yesNo = b: if b then "yes" else "no";
  hostKeys = [
    { type = "ed25519"; path = "/etc/ssh/ssh_host_ed25519_key"; args = ""; }
    { type = "rsa"; path = "/etc/ssh/ssh_host_rsa_key"; args = "-b 3072"; }
  ];
in
{
  imports = [
    (lib.mkRenamedOptionModule [ "services" "openssh" "permitRootLogin" ] [ "services" "openssh" "settings" "PermitRootLogin" ])
    (lib.mkRenamedOptionModule [ "services" "openssh" "passwordAuthentication" ] [ "services" "openssh" "settings" "PasswordAuthentication" ])
  ];
  options.services.openssh = {
    enable = lib.mkEnableOption "the OpenSSH secure shell daemon";
    package = mkOption {
      type = types.package;
      # pkgs.openssh: computed once per package set, i.e. once for all of a host's containers.
      default = pkgs.openssh or (pkgs.hostPackage {
        name = "openssh";
        programs = [ "/usr/sbin/sshd" "/usr/bin/ssh-keygen" "/usr/lib/openssh/sftp-server" ];
      });
      defaultText = lib.literalExpression ''pkgs.hostPackage { name = "openssh"; programs = [ "/usr/sbin/sshd" "/usr/bin/ssh-keygen" "/usr/lib/openssh/sftp-server" ]; }'';
      description = "The OpenSSH package: its `sbin/sshd`, `bin/ssh-keygen` and (with `allowSFTP`) `libexec/sftp-server` are used. By default the host's (Debian's openssh-server) imported into the store, so the host must have it installed.";
    };
    allowSFTP = mkOption { type = types.bool; default = true; description = "Whether the SFTP subsystem is served (`sftp`, and `scp`, which uses SFTP since OpenSSH 9)."; };
    ports = mkOption { type = types.listOf types.port; default = [ 22 ]; description = "Ports sshd listens on."; };
    listenAddresses = mkOption {
      type = types.listOf (types.submodule {
        options = {
          addr = mkOption { type = types.str; description = "An address to listen on (IPv6 in brackets: `[::1]`)."; };
          port = mkOption { type = types.nullOr types.port; default = null; description = "The port on this address (null: every port of `ports`)."; };
        };
      });
      default = [ ];
      example = [ { addr = "127.0.0.1"; port = 2022; } ];
      description = "Addresses sshd listens on; empty: every address. A container without a private network shares the host's addresses.";
    };
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
    environment.etc."ssh/sshd_config".text = lib.concatMapStrings (p: "Port ${toString p}\n") cfg.ports
      + lib.concatMapStrings (l: "ListenAddress ${l.addr}${lib.optionalString (l.port != null) ":${toString l.port}"}\n") cfg.listenAddresses
      + lib.concatMapStrings (k: "HostKey ${k.path}\n") hostKeys + ''
      AuthorizedKeysFile .ssh/authorized_keys /etc/ssh/authorized_keys.d/%u
      PidFile /run/sshd.pid
      UsePAM no
      SetEnv PATH=${config.environment.variables.PATH}
    '' + lib.optionalString cfg.allowSFTP ''
      Subsystem sftp ${cfg.package}/libexec/sftp-server
    '' + lib.concatStrings (lib.mapAttrsToList (k: v: "${k} ${if builtins.isBool v then yesNo v else toString v}\n") cfg.settings);

    # Login shells (root's is /bin/sh) must exist for sshd to let the user in:
    # activation.nix links /bin/sh in every system.

    systemd.services.sshd-keygen = {
      description = "SSH host key generation";
      wantedBy = [ "multi-user.target" ];
      serviceConfig = { Type = "oneshot"; RemainAfterExit = true; };
      # Only missing keys are made: the container's root keeps them across restarts,
      # so clients see the same host key.
      script = ''
        mkdir -p /etc/ssh
      '' + lib.concatMapStrings (k: ''
        [ -e ${k.path} ] || ${cfg.package}/bin/ssh-keygen -q -t ${k.type} ${k.args} -N "" -f ${k.path}
      '') hostKeys;
    };
    systemd.services.sshd = {
      description = "OpenSSH server";
      wantedBy = [ "multi-user.target" ];
      after = [ "sshd-keygen" ];
      requires = [ "sshd-keygen" ];
      # /run/sshd: the privilege-separation chroot Debian's sshd is built with; it
      # must be root's and not writable by others.
      preStart = "mkdir -p /run/sshd /var/empty; chmod 0755 /run/sshd /var/empty";
      serviceConfig = { ExecStart = "${cfg.package}/sbin/sshd -D -e -f /etc/ssh/sshd_config"; Restart = "always"; RestartSec = 1; };
    };
  };
}
