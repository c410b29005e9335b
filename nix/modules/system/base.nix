# Basic system options: boot.isContainer, the package set (`nixpkgs.pkgs`, given to
# modules as `pkgs`), `meta`.
{ config, lib, ... }:
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
    nixpkgs.pkgs = mkOption {
      type = types.raw;
      default = import ../../pkgs { };
      defaultText = lib.literalExpression "import <nest/pkgs> { }";
      description = "The package set the system's modules get as `pkgs`. The host modules give every container the host's one package set (`mkDefault`), so that what it computes (imported host packages, busybox) is computed once for all containers.";
    };
  };
  # The package set is only forced when something is built (system.build.toplevel),
  # so evaluating a configuration never touches the store.
  config._module.args.pkgs = lib.mkDefault config.nixpkgs.pkgs;
}
