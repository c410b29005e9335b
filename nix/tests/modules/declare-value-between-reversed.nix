{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.numbers.between 2 1; };
}
