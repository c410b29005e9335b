{ lib, ... }: {
  things = { listA = [ "b" ]; count = lib.mkForce 2; listB = lib.mkIf false [ "never" ]; };
}
