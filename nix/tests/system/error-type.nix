(import ../../modules/eval-host.nix {
  # The package is a plain derivation so that Nix (without builtins.nestElfInfo) can
  # evaluate this too and report the same type error.
  configuration = { containers.t.config.services.openssh = { enable = true; ports = [ "ssh" ];
    package = derivation { name = "openssh"; system = "x86_64-linux"; builder = "/bin/sh"; }; }; };
}).specs
