# networking.hostName and networking.hosts, written to /etc/hostname and /etc/hosts.
# A host name left at its default (the container's name, which the runtime already
# gives the container's UTS namespace) is not put in the system: activation writes
# both files from the running host name, so containers with the same configuration
# share one system. An explicit host name is built into the system.
{ config, lib, options, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.networking;
  # mkDefault (the host modules' container name) or the option's own default.
  fromRuntime = options.networking.hostName.highestPrio >= 1000;
  base = { "127.0.0.1" = [ "localhost" ]; "::1" = [ "localhost" ]; };
  all = names: lib.zipAttrsWith (_: lib.concatLists) [ base { "127.0.1.1" = names; } cfg.hosts ];
  hostsText = lib.concatStrings (lib.mapAttrsToList (a: names: "${a} ${lib.concatStringsSep " " names}\n") (all [ cfg.hostName ]));
  # Each line of /etc/hosts as a shell word; 127.0.1.1's first name is `$h`.
  hostsLine = a: names:
    if a == "127.0.1.1"
    then "printf '%s\\n' \"127.0.1.1 $h\"${lib.escapeShellArg (lib.concatMapStrings (n: " " + n) (lib.tail names))}\n"
    else "printf '%s\\n' ${lib.escapeShellArg "${a} ${lib.concatStringsSep " " names}"}\n";
in
{
  options.networking = {
    hostName = mkOption {
      type = types.strMatching "^$|^[A-Za-z0-9]([A-Za-z0-9_.-]{0,62}[A-Za-z0-9])?$";
      default = "nest";
      description = "The container's host name; the host modules default it to the container's name.";
    };
    hosts = mkOption {
      type = types.attrsOf (types.listOf types.str);
      default = { };
      example = { "10.0.0.1" = [ "gateway" ]; };
      description = "Extra lines of /etc/hosts: an address and its names.";
    };
    hostNameFromRuntime = mkOption {
      type = types.bool;
      readOnly = true;
      internal = true;
      default = fromRuntime;
      description = "Whether /etc/hostname and /etc/hosts are written at activation from the running host name (networking.hostName left at its default) instead of being part of the system.";
    };
  };
  config = lib.mkMerge [
  (lib.mkIf fromRuntime {
    system.activationScripts.hostname = {
      deps = [ "etc" ];
      text = ''
        h=$(uname -n)
        printf '%s\n' "$h" > /etc/.hostname.tmp
        chmod 0644 /etc/.hostname.tmp
        mv -f /etc/.hostname.tmp /etc/hostname
        {
      '' + lib.concatStrings (lib.mapAttrsToList hostsLine (all [ "$h" ])) + ''
        } > /etc/.hosts.tmp
        chmod 0644 /etc/.hosts.tmp
        mv -f /etc/.hosts.tmp /etc/hosts
      '';
    };
  })
  (lib.mkIf (!fromRuntime) {
    environment.etc = {
      hostname.text = "${cfg.hostName}\n";
      hosts.text = hostsText;
    };
  })
  ];
}
