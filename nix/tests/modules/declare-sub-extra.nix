{ lib, ... }: {
  options.sub = lib.mkOption {
    type = lib.types.submodule { options.c = lib.mkOption { type = lib.types.str; default = "c"; }; };
  };
}
