# The documented types of both spellings of `containers`.
let
  types = heterogeneous:
    let r = import ../../modules/eval-host.nix { configuration = { }; inherit heterogeneous; }; o = r.lib.optionsJSON r.options; in
    { containers = o.containers.type; config = o."containers.<name>.config".type; ports = o."containers.<name>.config.services.openssh.ports".description; };
in
{ nixos = types false; heterogeneous = types true; }
