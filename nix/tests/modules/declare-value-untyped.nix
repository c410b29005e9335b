{ lib, ... }: {
  options.value = lib.mkOption { };
}
