{ lib, ... }: {
  theType = lib.types.listOf lib.types.str;
}
