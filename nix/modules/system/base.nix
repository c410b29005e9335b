# Basic system options: boot.isContainer, the package set, `meta`.
{ lib, ... }:
let inherit (lib) mkOption types; in
{
  options = {
    boot.isContainer = mkOption {
      type = types.bool;
      default = true;
      description = "Whether this system runs inside a container (always true for nest systems; kept for modules written for NixOS).";
    };
    meta = mkOption {
      type = types.lazyAttrsOf types.raw;
      default = { };
      internal = true;
      description = "Module metadata (maintainers, docs), merged from every module's `meta`.";
    };
    nixpkgs.system = mkOption {
      type = types.str;
      default = "x86_64-linux";
      description = "The platform the system's derivations are built for.";
    };
  };
  # The package set is only forced when something is built (system.build.toplevel),
  # so evaluating a configuration never touches the store.
  config._module.args.pkgs = lib.mkDefault (import ../../pkgs { });
}
