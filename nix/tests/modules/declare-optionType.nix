{ lib, ... }: {
  options.theType = lib.mkOption { type = lib.types.optionType; };
}
