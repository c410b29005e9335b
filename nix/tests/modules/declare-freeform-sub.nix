{ lib, ... }: {
  options.settings = lib.mkOption {
    type = lib.types.submodule {
      freeformType = lib.types.attrsOf lib.types.int;
      options.port = lib.mkOption { type = lib.types.port; default = 80; };
    };
    default = { };
  };
}
