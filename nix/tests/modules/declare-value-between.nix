{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.ints.between 0 10; };
}
