{ lib, ... }: {
  value = lib.mkMerge [ (lib.mkDefinition { file = "one.nix"; value = [ 1 ]; }) (lib.mkDefinition { file = "two.nix"; value = [ 2 ]; }) ];
}
