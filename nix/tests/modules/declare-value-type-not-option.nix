{ lib, ... }: {
  options.value = lib.types.int;
}
