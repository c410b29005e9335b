{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.str; readOnly = true; default = "ro"; };
}
