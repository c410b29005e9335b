{ lib, ... }: {
  options.items = lib.mkOption {
    type = lib.types.listOf (lib.types.submodule { options.x = lib.mkOption { type = lib.types.int; default = 0; }; });
  };
}
