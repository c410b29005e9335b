{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.int; default = 7; apply = x: x * 10; };
}
