# The second spelling of containers.<name>, with the seed's heterogeneousAttrsOf and
# submoduleWithExtraArgs instead of nixosSubmodule: the same options and outputs.
{ config, lib, ... }:
let
  systemModules = import ../system/module-list.nix;
  # One package set for all containers (see containers.nix).
  hostPkgs = import ../../pkgs { };
  containerType = name: lib.types.submoduleWithExtraArgs { } [
    (import ./container-options.nix {
      inherit lib;
      configType = name: specialArgs: lib.types.submoduleWithExtraArgs (specialArgs // { containerName = name; }) (systemModules ++ [
        ({ containerName, ... }: {
          networking.hostName = lib.mkDefault containerName;
          nixpkgs.pkgs = lib.mkDefault hostPkgs;
        })
      ]);
    })
  ];
in
{
  imports = [
    ./common.nix
    # The host options besides containers, as the other spelling's set (default.nix) has them.
    ./networking.nix
    (lib.mkAliasOptionModule [ "systemd" "containers" ] [ "containers" ])
  ];
  options.containers = lib.mkOption {
    type = lib.types.heterogeneousAttrsOf containerType;
    default = { };
    description = "The containers run on this host.";
  };
}
