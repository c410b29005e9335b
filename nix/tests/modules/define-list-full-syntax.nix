{ lib, ... }: {
  _file = "full-syntax.nix";
  options.extra = lib.mkOption { type = lib.types.int; default = 1; };
  config.list = [ "full" ];
}
