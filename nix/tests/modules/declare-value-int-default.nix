{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.int; default = 7; };
}
