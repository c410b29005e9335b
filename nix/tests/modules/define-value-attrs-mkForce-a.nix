{ lib, ... }: {
  value = { a = lib.mkForce 100; };
}
