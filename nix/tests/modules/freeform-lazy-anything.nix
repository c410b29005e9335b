{ lib, ... }: {
  config._module.freeformType = lib.types.lazyAttrsOf lib.types.anything;
  options.declared = lib.mkOption { type = lib.types.int; default = 1; };
}
