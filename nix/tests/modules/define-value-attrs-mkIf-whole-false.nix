{ lib, ... }: {
  value = lib.mkIf false { z = 1; };
}
