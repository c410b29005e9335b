{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.attrsOf (lib.types.listOf lib.types.int); };
}
