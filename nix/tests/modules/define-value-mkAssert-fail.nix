{ lib, ... }: {
  value = lib.mkAssert false "value must not be set here" 11;
}
