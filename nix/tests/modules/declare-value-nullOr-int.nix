{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.nullOr lib.types.int; };
}
