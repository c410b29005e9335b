{ lib, ... }: {
  options.value = lib.mkOption { description = "The value."; };
}
