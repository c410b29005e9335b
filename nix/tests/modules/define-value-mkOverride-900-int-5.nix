{ lib, ... }: {
  value = lib.mkOverride 900 5;
}
