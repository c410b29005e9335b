{ lib, ... }: {
  value = lib.mkMerge [ [ 1 ] (lib.mkIf false [ 2 ]) (lib.mkIf true [ 3 ]) ];
}
