{ lib, ... }: {
  imports = [ (lib.mkRenamedOptionModule [ "old" ] [ "new" ]) ];
}
