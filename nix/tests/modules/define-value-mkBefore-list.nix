{ lib, ... }: {
  value = lib.mkBefore [ 0 ];
}
