{ lib, ... }: {
  theType = lib.mkIf true (lib.types.listOf lib.types.str);
}
