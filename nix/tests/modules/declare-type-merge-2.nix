{ lib, ... }: {
  options.merged = lib.mkOption { type = lib.types.attrsOf (lib.types.submodule { options.y = lib.mkOption { type = lib.types.int; default = 2; }; }); };
}
