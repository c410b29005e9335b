{ lib, ... }: {
  old = lib.mkDefault 6;
}
