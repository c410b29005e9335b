{ lib, ... }: {
  value = lib.mkAssert true "never shown" 11;
}
