{ lib, ... }: {
  value = lib.mkDefault [ 7 ];
}
