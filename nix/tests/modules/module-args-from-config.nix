{ config, lib, ... }: {
  options.n = lib.mkOption { type = lib.types.int; default = 5; };
  config._module.args.double = config.n * 2;
}
