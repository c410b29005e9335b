# What the fixtures print about a host config: per container the spec data, the
# services.json document, users, groups and etc files (text and mode).
{ configuration, heterogeneous ? false }:
let
  # OpenSSH's default package is a pkgs.hostPackage, which follows ELF files with
  # nest's own builtins.nestElfInfo; Nix cannot evaluate that, so every container here
  # gets a plain derivation instead, and both evaluators stay comparable.
  opensshStub = derivation { name = "openssh"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "exit 1" ]; };
  stubbed = { lib, ... }: {
    imports = [ configuration ];
    options.containers = lib.mkOption {
      type = lib.types.attrsOf (lib.types.submodule {
        config.config.services.openssh.package = lib.mkDefault opensshStub;
      });
    };
  };
  # The heterogeneous spelling's container type cannot be extended by a second
  # declaration: there, each container's config (a plain module) imports the stub.
  stubbedEach = let host = import configuration; in host // {
    containers = builtins.mapAttrs (_: c: c // {
      config = { lib, ... }: { imports = [ c.config ]; services.openssh.package = lib.mkDefault opensshStub; };
    }) host.containers;
  };
  r = import ../../modules/eval-host.nix { configuration = if heterogeneous then stubbedEach else stubbed; inherit heterogeneous; };
  inherit (r) lib;
  sys = c: {
    hostName = c.config.networking.hostName;
    isContainer = c.config.boot.isContainer;
    users = c.config.users.allocated;
    etc = lib.mapAttrs (_: e: { inherit (e) target mode text; }) c.config.environment.etc;
    activationOrder = lib.filter (l: lib.hasPrefix "# " l) (lib.splitString "\n" c.config.system.activationScript);
  };
in
{
  specs = r.specs;
  systems = lib.mapAttrs (_: sys) r.checked.containers;
}
