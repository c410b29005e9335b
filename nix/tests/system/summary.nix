# What the fixtures print about a host config: per container the spec data, the
# services.json document, users, groups and etc files (text and mode).
{ configuration, heterogeneous ? false }:
let
  r = import ../../modules/eval-host.nix { inherit configuration heterogeneous; };
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
