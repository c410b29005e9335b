{ lib, ... }: {
  options.e = lib.mkOption { type = lib.types.enum [ "a" ]; };
  imports = [ { options.e = lib.mkOption { type = lib.types.enum [ "b" ]; }; } ];
}
