{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.enum [ "a" "b" 1 ]; };
}
