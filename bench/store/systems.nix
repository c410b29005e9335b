# The system toplevels of host.nix's n containers, as `nest switch` builds them.
# nix: the nest repository's nix/ directory (for modules/eval-host.nix).
{ nix, n ? 100 }:
let c = (import (nix + "/modules/eval-host.nix") { configuration = import ./host.nix { inherit n; }; }).config;
in builtins.attrValues (builtins.mapAttrs (name: v: v.config.system.build.toplevel) c.containers)
