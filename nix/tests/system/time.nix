# time.timeZone: the etc entries and variable a zone gives, none without one, and
# which names the host's tz database (pkgs.tzdata.hasZone) accepts.
let
  sys = tz: (import ../../modules/eval-host.nix { configuration = { containers.c.config.time.timeZone = tz; }; }).checked.containers.c.config;
  tokyo = sys "Asia/Tokyo";
  none = sys null;
  pkgs = import ../../pkgs { };
  zoneEntries = c: builtins.filter (n: n == "localtime" || n == "zoneinfo") (builtins.attrNames c.environment.etc);
in
{
  localtime = { inherit (tokyo.environment.etc.localtime) source mode; };
  zoneinfoMode = tokyo.environment.etc.zoneinfo.mode;
  profile = tokyo.environment.etc.profile.text;
  noneEntries = zoneEntries none;
  noneProfile = none.environment.etc.profile.text;
  tzdataName = pkgs.tzdata.name;
  known = map pkgs.tzdata.hasZone [ "Asia/Tokyo" "UTC" "Japan" "Etc/GMT+5" "America/Argentina/Buenos_Aires" "posix/Asia/Tokyo" "right/Europe/Berlin" ];
  unknown = map pkgs.tzdata.hasZone [ "Mars/Olympus" "asia/tokyo" "Asia" "posix/Asia" "zone.tab" "tzdata.zi" "leapseconds" "localtime" "../../etc/passwd" "Asia/Tokyo " "" ];
}
