{ lib, options, config, ... }: {
  result = [ (lib.isFunction lib.mkOption) (options ? result) (config ? result) ];
}
