{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.addCheck lib.types.int (x: lib.trivial.mod x 2 == 0); };
}
