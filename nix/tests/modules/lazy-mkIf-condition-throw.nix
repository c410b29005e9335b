{ lib, ... }: {
  options.other = lib.mkOption { type = lib.types.int; default = 0; };
  config.other = lib.mkIf (throw "condition forced") 5;
}
