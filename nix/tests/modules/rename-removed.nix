{ lib, ... }: {
  imports = [ (lib.mkRemovedOptionModule [ "gone" ] "Use `new' instead.") ];
}
