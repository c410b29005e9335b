{ lib, ... }: {
  options.outer.inner = lib.types.int;
}
