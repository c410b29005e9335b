# containers.<name> (and the original's systemd.containers.<name>): each container's
# options and its system, typed with the seed's nixosSubmodule. Produces
# nest.containerSpecs.<name>: the runtime spec (crates/container/src/spec.rs) as data.
{ config, lib, ... }:
let
  systemModules = import ../system/module-list.nix;
  # One package set for the host's evaluation, the default of every container's
  # nixpkgs.pkgs: imported per container, its imports and host packages were
  # computed again for each one.
  hostPkgs = import ../../pkgs { };
  containerModule = import ./container-options.nix {
    inherit lib;
    configType = name: specialArgs: lib.types.nixosSubmodule systemModules (specialArgs // {
      containerName = name;
      modules = [ ({ containerName, ... }: {
        networking.hostName = lib.mkDefault containerName;
        nixpkgs.pkgs = lib.mkDefault hostPkgs;
      }) ];
    });
  };
in
{
  imports = [
    ./common.nix
    (lib.mkAliasOptionModule [ "systemd" "containers" ] [ "containers" ])
  ];
  options.containers = lib.mkOption {
    type = lib.types.attrsOf (lib.types.submodule ({ name, ... }: { imports = [ containerModule ]; }));
    default = { };
    example = lib.literalExpression ''{ foo.config = { services.openssh.enable = true; }; }'';
    description = "The containers run on this host.";
  };
}
