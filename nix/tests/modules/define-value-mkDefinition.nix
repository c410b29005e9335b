{ lib, ... }: {
  value = lib.mkDefinition { file = "elsewhere.nix"; value = 5; };
}
