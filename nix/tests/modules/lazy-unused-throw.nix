{ lib, ... }: {
  options.unused = lib.mkOption { type = lib.types.int; };
  config.unused = throw "never forced";
}
