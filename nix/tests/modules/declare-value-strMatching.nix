{ lib, ... }: {
  options.value = lib.mkOption { type = lib.types.strMatching "[a-z]+"; };
}
