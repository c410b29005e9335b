{ lib, ... }: {
  freeformType = lib.types.attrsOf lib.types.str;
  options.declared = lib.mkOption { type = lib.types.int; default = 1; };
}
