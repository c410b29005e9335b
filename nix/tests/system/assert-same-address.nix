(import ../../modules/eval-host.nix {
  configuration = {
    containers.a = { privateNetwork = true; localAddress = "10.0.0.2"; };
    containers.b = { privateNetwork = true; localAddress = "10.0.0.2/24"; };
    containers.c = { privateNetwork = true; localAddress = "10.0.0.3"; };
  };
}).specs
