{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.enum [ "only" ]; };
}
