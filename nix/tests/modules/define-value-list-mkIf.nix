{ lib, ... }: {
  value = [ (lib.mkIf false 1) 2 ];
}
