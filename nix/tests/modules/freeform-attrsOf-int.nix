{ lib, ... }: {
  freeformType = lib.types.attrsOf lib.types.int;
}
