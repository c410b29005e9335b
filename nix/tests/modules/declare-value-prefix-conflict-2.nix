{ lib, ... }: {
  options.value.zeta = lib.mkOption { };
  options.value.alpha = lib.mkOption { };
}
