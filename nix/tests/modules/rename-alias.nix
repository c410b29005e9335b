{ lib, ... }: {
  imports = [ (lib.mkAliasOptionModule [ "alias" ] [ "new" ]) ];
}
