{ lib, ... }: {
  value = lib.mkForce 6;
}
