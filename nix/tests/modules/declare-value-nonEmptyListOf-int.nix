{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.nonEmptyListOf lib.types.int; };
}
