{ lib, ... }: {
  options.box = lib.mkOption { type = lib.types.nixosSubmodule (import ./system/module-list.nix) { }; };
}
