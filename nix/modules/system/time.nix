# time.timeZone as NixOS has it: /etc/zoneinfo (the zone database, pkgs.tzdata),
# /etc/localtime linking to the zone in it, and TZDIR for login shells. The zone
# database is the host's tzdata imported into the store: a container sees nothing
# else. null (the default): no /etc/localtime (activation removes one an earlier
# zone made), the container runs in UTC.
{ config, lib, pkgs, ... }:
let
  tz = config.time.timeZone;
in
{
  options.time.timeZone = lib.mkOption {
    type = lib.types.nullOr lib.types.str;
    default = null;
    example = "Europe/Berlin";
    description = ''
      The container's time zone, a name from the tz database ("Europe/Berlin",
      "Asia/Tokyo", "UTC"). null: no /etc/localtime, programs use UTC.
    '';
  };
  config = lib.mkIf (tz != null) {
    environment.etc.zoneinfo.source = "${pkgs.tzdata}/share/zoneinfo";
    # A direct link names the zone (…/zoneinfo/Asia/Tokyo), which is how programs
    # such as timedatectl find the zone's name.
    environment.etc.localtime = { source = "/etc/zoneinfo/${tz}"; mode = "direct-symlink"; };
    environment.variables.TZDIR = "/etc/zoneinfo";
    assertions = [{
      assertion = pkgs.tzdata.hasZone tz;
      message = "time.timeZone: unknown time zone \"${tz}\" (not defined by the host's tz database, ${pkgs.tzdata.zoneinfoDir or "pkgs.tzdata"})";
    }];
  };
}
