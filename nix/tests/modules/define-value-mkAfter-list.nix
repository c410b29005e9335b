{ lib, ... }: {
  value = lib.mkAfter [ 99 ];
}
