{ lib, ... }: {
  config = lib.mkIf false { stillUnknown = 1; };
}
