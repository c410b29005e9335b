{ lib, ... }: {
  config = lib.mkForce { list = [ "forced" ]; };
}
