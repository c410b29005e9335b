{ lib, ... }: {
  value = lib.mkVMOverride 4;
}
