# Evaluates a host config with nest's host modules. `configuration`: a module (file,
# function or attribute set); `heterogeneous`: use the heterogeneousAttrsOf spelling.
# `checked` is `config` once every assertion holds (warnings printed on stderr).
{ configuration, heterogeneous ? false }:
let
  lib = import ../lib;
  hostModules = if heterogeneous then [ ./host/containers-heterogeneous.nix ] else import ./host;
  result = lib.evalModules { modules = hostModules ++ [ configuration ]; };
  inherit (result) config;
in
result // {
  inherit lib;
  checked = lib.asserts.checkAssertWarn config.assertions config.warnings config;
  specs = lib.asserts.checkAssertWarn config.assertions config.warnings
    (lib.mapAttrs (_: s: removeAttrs s [ "toplevel" ]) config.nest.containerSpecs);
}
