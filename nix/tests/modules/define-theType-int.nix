{ lib, ... }: {
  theType = lib.types.int;
}
