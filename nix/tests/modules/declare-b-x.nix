{ lib, ... }: {
  options.b.x = lib.mkOption { };
}
