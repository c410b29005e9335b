{ lib, ... }: {
  value = lib.mkOrder 700 [ 50 ];
}
