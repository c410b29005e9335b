# Evaluates one container system on its own, for the `path` route:
#   nest build -f foo.nix -A system --profile containers/foo
# with foo.nix = import <nest/modules/eval-system.nix> { configuration = ./foo-config.nix; }
# `configuration`: a system module; `name`: the default host name (the container's
# name, as the host modules set it). `system` is the toplevel to boot.
{ configuration, name ? "nest", specialArgs ? { } }:
let
  lib = import ../lib;
  result = lib.evalModules {
    specialArgs = specialArgs // { containerName = name; };
    modules = import ./system/module-list.nix ++ [
      configuration
      { networking.hostName = lib.mkDefault name; }
    ];
  };
  inherit (result) config;
in
result // {
  inherit lib;
  system = lib.asserts.checkAssertWarn config.assertions config.warnings config.system.build.toplevel;
}
