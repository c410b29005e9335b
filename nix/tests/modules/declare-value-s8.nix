{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.ints.s8; };
}
