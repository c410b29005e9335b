{ lib, ... }: {
  value = lib.mkForce (lib.mkBefore [ 9 ]);
}
