# networking.hostName and networking.hosts, written to /etc/hostname and /etc/hosts.
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.networking;
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
  };
  config.environment.etc = {
    hostname.text = "${cfg.hostName}\n";
    hosts.text =
      let
        base = { "127.0.0.1" = [ "localhost" ]; "::1" = [ "localhost" ]; "127.0.1.1" = [ cfg.hostName ]; };
        all = lib.zipAttrsWith (_: lib.concatLists) [ base cfg.hosts ];
      in
      lib.concatStrings (lib.mapAttrsToList (a: names: "${a} ${lib.concatStringsSep " " names}\n") all);
  };
}
