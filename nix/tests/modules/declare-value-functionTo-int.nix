{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.functionTo lib.types.int; };
}
