{ config, lib, ... }: {
  imports = [ ./declare-list.nix ];
  options.other = lib.mkOption { type = lib.types.listOf lib.types.int; default = [ 1 2 3 ]; };
  config.list = [ "n=${toString (builtins.length config.other)}" ];
}
