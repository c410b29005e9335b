{ lib, ... }: {
  imports = [ lib.modules.assertionsModule ];
  options.new = lib.mkOption { type = lib.types.int; default = 0; description = "The new option."; };
  options.addr = lib.mkOption { type = lib.types.str; default = "none"; };
  options.ab = lib.mkOption { type = lib.types.str; default = "-"; };
}
