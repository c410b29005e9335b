{ pkgs, lib, ... }: {
  options.result2 = lib.mkOption { type = lib.types.str; default = "2.12"; };
  config.result = pkgs.hello;
}
