{ lib, ... }: {
  options.value.sub = lib.mkOption { type = lib.types.int; };
}
