{ lib, ... }: {
  value = lib.mkForce 1;
}
