{ lib, ... }: {
  options.sub.d = lib.mkOption { type = lib.types.bool; default = false; };
}
