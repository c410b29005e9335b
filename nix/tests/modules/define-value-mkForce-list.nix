{ lib, ... }: {
  value = lib.mkForce [ 8 ];
}
