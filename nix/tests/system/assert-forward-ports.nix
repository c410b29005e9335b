(import ../../modules/eval-host.nix {
  configuration = { containers.a = { forwardPorts = [ { hostPort = 80; } ]; config = { }; }; };
}).specs
