{ lib, ... }: {
  value = lib.mkIf "yes" 1;
}
