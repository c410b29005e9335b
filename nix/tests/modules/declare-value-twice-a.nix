{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.listOf lib.types.int; default = [ ]; };
}
