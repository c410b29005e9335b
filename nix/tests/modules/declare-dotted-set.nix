{ lib, ... }: {
  options."x.y".leaf = lib.mkOption { };
}
