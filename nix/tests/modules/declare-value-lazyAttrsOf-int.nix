{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.lazyAttrsOf lib.types.int; };
}
