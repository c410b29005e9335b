{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.unique { message = "Only one please."; } lib.types.int; };
}
