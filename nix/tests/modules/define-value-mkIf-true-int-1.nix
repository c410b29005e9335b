{ lib, ... }: {
  value = lib.mkIf true 1;
}
