{ lib, ... }: {
  options.result = lib.mkOption { type = lib.types.anything; };
}
