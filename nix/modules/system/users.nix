# users.users and users.groups (and the original's users.extraUsers/extraGroups
# spellings): id allocation, home directories, authorized keys, /etc/passwd,
# /etc/group and /etc/shadow contents (written by activation, so they stay files).
{ config, lib, ... }:
let
  inherit (lib) mkOption types;
  cfg = config.users;

  userOpts = { name, config, ... }: {
    options = {
      name = mkOption { type = types.str; default = name; description = "The user's login name (defaults to the attribute name)."; };
      uid = mkOption { type = types.nullOr types.int; default = null; description = "The user id; allocated when null (normal users from 1000 up, others from 999 down)."; };
      group = mkOption { type = types.str; default = ""; description = "The primary group (default: `root` for root, `users` for normal users, else `nogroup`)."; };
      extraGroups = mkOption { type = types.listOf types.str; default = [ ]; description = "Supplementary groups."; };
      description = mkOption { type = types.str; default = ""; description = "The GECOS field."; };
      home = mkOption { type = types.str; default = if name == "root" then "/root" else if config.isNormalUser then "/home/${name}" else "/var/empty"; description = "The home directory."; };
      createHome = mkOption { type = types.bool; default = config.isNormalUser || name == "root"; description = "Whether activation creates the home directory."; };
      shell = mkOption { type = types.str; default = "/bin/sh"; description = "The login shell."; };
      isNormalUser = mkOption { type = types.bool; default = false; description = "A user who logs in: uid from 1000, home under /home, group `users`."; };
      isSystemUser = mkOption { type = types.bool; default = false; description = "A system user: uid below 1000."; };
      hashedPassword = mkOption { type = types.nullOr types.str; default = null; description = "The crypt(3) hash of the password; null: logins with a password are disabled (`!`, or `*` for a user with authorized keys, whom sshd would refuse as locked)."; };
      openssh.authorizedKeys.keys = mkOption { type = types.listOf types.singleLineStr; default = [ ]; description = "Public keys that may log in as this user over SSH."; };
    };
  };

  groupOpts = { name, ... }: {
    options = {
      name = mkOption { type = types.str; default = name; description = "The group's name (defaults to the attribute name)."; };
      gid = mkOption { type = types.nullOr types.int; default = null; description = "The group id; allocated from 999 down when null."; };
      members = mkOption { type = types.listOf types.str; default = [ ]; description = "Extra members of the group."; };
    };
  };

  # Deterministic allocation in name order, skipping ids that are taken. Stable as
  # long as no user is added before an existing one in name order; give ids
  # explicitly where that matters.
  allocate = { items, idOf, isNormal, taken }:
    let
      # The first id from `i` on (in steps of `d`) that is not used; no id lists.
      free = used: i: d: if builtins.elem i used then free used (i + d) d else i;
      step = acc: u:
        if idOf u != null then acc // { out = acc.out // { ${u.name} = idOf u; }; }
        else if isNormal u then
          let id = free acc.used acc.nextNormal 1; in
          { out = acc.out // { ${u.name} = id; }; used = acc.used ++ [ id ]; nextNormal = id + 1; nextSystem = acc.nextSystem; }
        else
          let id = free acc.used acc.nextSystem (-1); in
          { out = acc.out // { ${u.name} = id; }; used = acc.used ++ [ id ]; nextNormal = acc.nextNormal; nextSystem = id - 1; };
    in (builtins.foldl' step { out = { }; used = taken; nextNormal = 1000; nextSystem = 999; } items).out;

  users = builtins.attrValues cfg.users;
  groups = builtins.attrValues cfg.groups;
  uids = allocate {
    items = users; idOf = u: u.uid; isNormal = u: u.isNormalUser;
    taken = lib.filter (x: x != null) (map (u: u.uid) users);
  };
  gids = allocate {
    items = groups; idOf = g: g.gid; isNormal = _: false;
    taken = lib.filter (x: x != null) (map (g: g.gid) groups);
  };
  primaryGroup = u: if u.group != "" then u.group else if u.name == "root" then "root" else if u.isNormalUser then "users" else "nogroup";
  membersOf = g: lib.unique (g.members ++ map (u: u.name) (lib.filter (u: builtins.elem g.name u.extraGroups) users));
in
{
  imports = [
    (lib.mkAliasOptionModule [ "users" "extraUsers" ] [ "users" "users" ])
    (lib.mkAliasOptionModule [ "users" "extraGroups" ] [ "users" "groups" ])
  ];

  options.users = {
    users = mkOption { type = types.attrsOf (types.submodule userOpts); default = { }; description = "The system's users."; };
    groups = mkOption { type = types.attrsOf (types.submodule groupOpts); default = { }; description = "The system's groups."; };
    allocated = mkOption {
      type = types.raw;
      readOnly = true;
      internal = true;
      description = "The users and groups with their ids and primary groups resolved.";
    };
  };

  config = {
    users.users.root = { uid = lib.mkDefault 0; group = lib.mkDefault "root"; home = lib.mkDefault "/root"; };
    users.users.nobody = { uid = lib.mkDefault 65534; group = lib.mkDefault "nogroup"; home = lib.mkDefault "/var/empty"; };
    users.groups = { root.gid = lib.mkDefault 0; users.gid = lib.mkDefault 100; nogroup.gid = lib.mkDefault 65534; wheel.gid = lib.mkDefault 1; };

    users.allocated = {
      users = map (u: {
        inherit (u) name home createHome shell description;
        uid = uids.${u.name};
        group = primaryGroup u;
        gid = gids.${primaryGroup u} or null;
        # "!" locks the account, and sshd without PAM refuses even key logins to a
        # locked account: a user with authorized keys gets "*" (no password matches).
        hashedPassword = if u.hashedPassword != null then u.hashedPassword else if u.openssh.authorizedKeys.keys != [ ] then "*" else "!";
        authorizedKeys = u.openssh.authorizedKeys.keys;
      }) users;
      groups = map (g: { inherit (g) name; gid = gids.${g.name}; members = membersOf g; }) groups;
    };

    assertions =
      map (u: { assertion = cfg.groups ? ${primaryGroup u}; message = "users.users.${u.name}.group: group `${primaryGroup u}' is not defined in users.groups"; }) users
      ++ [
        (let ids = lib.attrValues uids; in { assertion = lib.length (lib.unique ids) == lib.length ids; message = "users.users: two users have the same uid"; })
        (let ids = lib.attrValues gids; in { assertion = lib.length (lib.unique ids) == lib.length ids; message = "users.groups: two groups have the same gid"; })
      ];

    system.build.users = let a = config.users.allocated; in {
      passwd = lib.concatMapStrings (u: "${u.name}:x:${toString u.uid}:${toString u.gid}:${u.description}:${u.home}:${u.shell}\n") a.users;
      group = lib.concatMapStrings (g: "${g.name}:x:${toString g.gid}:${lib.concatStringsSep "," g.members}\n") a.groups;
      shadow = lib.concatMapStrings (u: "${u.name}:${u.hashedPassword}:1::::::\n") a.users;
    };

    environment.etc = lib.listToAttrs (map (u: lib.nameValuePair "ssh/authorized_keys.d/${u.name}" {
      text = lib.concatMapStrings (k: "${k}\n") u.openssh.authorizedKeys.keys;
      mode = "0444";
    }) (lib.filter (u: u.openssh.authorizedKeys.keys != [ ]) users));
  };
}
