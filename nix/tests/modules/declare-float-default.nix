{ lib, ... }: {
  options.ratio = lib.mkOption { type = lib.types.float; default = 0.25; };
}
