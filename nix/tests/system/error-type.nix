(import ../../modules/eval-host.nix {
  configuration = { containers.t.config.services.openssh = { enable = true; ports = [ "ssh" ]; }; };
}).specs
