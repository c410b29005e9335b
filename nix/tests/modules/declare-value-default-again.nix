{ lib, ... }: {
  options.value = lib.mkOption { default = 1; };
}
