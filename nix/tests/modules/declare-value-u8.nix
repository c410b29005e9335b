{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.ints.u8; };
}
