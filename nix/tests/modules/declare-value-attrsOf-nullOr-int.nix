{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.attrsOf (lib.types.nullOr lib.types.int); };
}
