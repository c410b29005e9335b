# Both spellings of `containers` (nixosSubmodule, heterogeneousAttrsOf) come with the
# same host options besides containers, networking.bridges among them.
let
  eval = heterogeneous: configuration: import ../../modules/eval-host.nix { inherit configuration heterogeneous; };
  hostOptions = heterogeneous:
    let r = eval heterogeneous { }; in
    builtins.filter (n: !(r.lib.hasPrefix "containers" n) && !(r.lib.hasPrefix "systemd.containers" n))
      (builtins.attrNames (r.lib.optionsJSON r.options));
  bridges = heterogeneous: (eval heterogeneous {
    networking.bridges.br-both.interfaces = [ ];
    networking.interfaces.br-both.ipv4.addresses = [ { address = "10.231.99.1"; prefixLength = 24; } ];
    containers.c = { privateNetwork = true; hostBridge = "br-both"; localAddress = "10.231.99.2/24"; config = { }; };
  }).checked.nest.hostNetwork;
in
{
  nixos = { options = hostOptions false; network = bridges false; };
  heterogeneous = { options = hostOptions true; network = bridges true; };
}
