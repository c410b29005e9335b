{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.numbers.between 0.5 1.5; };
}
