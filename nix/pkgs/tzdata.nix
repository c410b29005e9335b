# pkgs.tzdata: the host's time zone database (Debian's tzdata, /usr/share/zoneinfo)
# imported into the store by content and laid out like nixpkgs' tzdata
# ($out/share/zoneinfo), so a container that sees only the store has its zones.
# `hasZone name` says whether the database defines a zone of that name, read from
# tzdata.zi (the database's own list of zones and links) rather than from the files:
# the directory also holds tables and scripts that are not zones.
{ runCommand, zoneinfo }:
let
  dir = toString zoneinfo;
  exists = builtins.pathExists dir;
  missing = throw "pkgs.tzdata: ${dir} does not exist on this host (Debian: apt-get install tzdata)";
  zi = "${dir}/tzdata.zi";
  ziText = if builtins.pathExists zi then builtins.readFile zi else null;
  # "# version 2025b" on the first line; only a short prefix is matched.
  versionMatch = if ziText == null then null else builtins.match "# version ([0-9A-Za-z.]+)\n.*" (builtins.substring 0 40 ziText);
  version = if versionMatch == null then "" else "-${builtins.head versionMatch}";
  found = pattern: builtins.length (builtins.split pattern ziText) > 1;
  # Zone names are path components of these characters; `+` is the only one a regex
  # would read specially. No `.` keeps `..` and the tables (zone.tab…) out.
  wellFormed = name: builtins.match "[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*" name != null;
  escape = builtins.replaceStrings [ "+" ] [ "\\+" ];
  # Debian's posix/ and right/ trees hold every zone again.
  baseOf = name:
    let m = builtins.match "(posix|right)/(.+)" name; in
    if m != null && builtins.pathExists "${dir}/${builtins.head m}" then builtins.elemAt m 1 else name;
  defined = name:
    let n = escape (baseOf name); in
    # Without tzdata.zi (an old or trimmed database) an existing file has to do.
    ziText == null || found "\nZ ${n} " || found "\nL [^ \n]+ ${n}\n";
  hasZone = name:
    if !exists then missing
    else wellFormed name && builtins.pathExists "${dir}/${name}" && defined name;
  drv = runCommand "tzdata${version}"
    {
      src = if exists then builtins.path { path = zoneinfo; name = "zoneinfo"; } else missing;
    }
    ''
      mkdir -p $out/share
      ln -s "$src" $out/share/zoneinfo
    '';
in
drv // { inherit hasZone; zoneinfoDir = dir; }
