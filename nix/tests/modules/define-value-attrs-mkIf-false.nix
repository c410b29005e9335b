{ lib, ... }: {
  value = { a = lib.mkIf false 1; b = 2; };
}
