{ lib, ... }: {
  imports = [ (lib.mkAliasOptionModule [ "users" "extraUsers" ] [ "users" "users" ]) ];
  options.users.users = lib.mkOption {
    default = { };
    type = lib.types.attrsOf (lib.types.submodule ({ name, ... }: {
      options.name = lib.mkOption { type = lib.types.str; default = name; };
      options.uid = lib.mkOption { type = lib.types.nullOr lib.types.int; default = null; };
      options.openssh.authorizedKeys.keys = lib.mkOption { type = lib.types.listOf lib.types.singleLineStr; default = [ ]; };
    }));
  };
}
