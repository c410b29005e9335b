{ lib, ... }: {
  options.machines = lib.mkOption {
    type = lib.types.attrsOf (lib.types.submodule ({ name, config, ... }: {
      options.hostName = lib.mkOption { type = lib.types.str; default = name; };
      options.port = lib.mkOption { type = lib.types.port; default = 22; };
      options.url = lib.mkOption { type = lib.types.str; readOnly = true; default = "ssh://${config.hostName}:${toString config.port}"; };
    }));
    default = { };
  };
}
