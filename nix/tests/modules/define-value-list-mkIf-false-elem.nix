{ lib, ... }: {
  value = [ 1 (lib.mkIf false 2) 3 ];
}
