{ lib, ... }: {
  value = lib.mkAfter "last";
}
