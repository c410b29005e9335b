# Benchmark stand-in: users.users with the seed's old spelling users.extraUsers.
{ config, lib, ... }:
let inherit (lib) mkOption types; in
{
  imports = [ (lib.mkAliasOptionModule [ "users" "extraUsers" ] [ "users" "users" ]) ];
  options.users.users = mkOption {
    default = { };
    type = types.attrsOf (types.submodule ({ name, ... }: {
      options = {
        name = mkOption { type = types.str; default = name; };
        uid = mkOption { type = types.nullOr types.int; default = null; };
        home = mkOption { type = types.str; default = "/home/${name}"; };
        shell = mkOption { type = types.str; default = "/bin/sh"; };
        extraGroups = mkOption { type = types.listOf types.str; default = [ ]; };
        openssh.authorizedKeys.keys = mkOption { type = types.listOf types.singleLineStr; default = [ ]; };
      };
    }));
  };
  config.users.users.root = { uid = 0; home = "/root"; };
  config.environment.etc.passwd.text = lib.concatStringsSep "\n" (lib.mapAttrsToList
    (n: u: "${u.name}:x:${toString (if u.uid == null then 1000 else u.uid)}:${u.home}:${u.shell}") config.users.users);
}
