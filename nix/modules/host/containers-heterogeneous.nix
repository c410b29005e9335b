# The second spelling of containers.<name>, with the seed's heterogeneousAttrsOf and
# submoduleWithExtraArgs instead of nixosSubmodule: the same options and outputs.
{ config, lib, ... }:
let
  systemModules = import ../system/module-list.nix;
  containerType = name: lib.types.submoduleWithExtraArgs { } [
    (import ./container-options.nix {
      inherit lib;
      configType = name: specialArgs: lib.types.submoduleWithExtraArgs (specialArgs // { containerName = name; }) (systemModules ++ [
        ({ containerName, ... }: { networking.hostName = lib.mkDefault containerName; })
      ]);
    })
  ];
in
{
  imports = [
    ./common.nix
    (lib.mkAliasOptionModule [ "systemd" "containers" ] [ "containers" ])
  ];
  options.containers = lib.mkOption {
    type = lib.types.heterogeneousAttrsOf containerType;
    default = { };
    description = "The containers run on this host.";
  };
}
