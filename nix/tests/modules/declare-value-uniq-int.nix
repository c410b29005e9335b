{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.uniq lib.types.int; };
}
