{ lib, ... }: {
  value = lib.mkBefore "first";
}
