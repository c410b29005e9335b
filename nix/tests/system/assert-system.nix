# A failed assertion inside a container's system is reported with its container.
(import ../../modules/eval-host.nix {
  configuration = { containers.s.config.systemd.services.x = { description = "no command"; }; };
}).specs
