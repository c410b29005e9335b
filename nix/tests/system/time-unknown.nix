# An unknown time zone fails the host's evaluation, naming the option and the zone.
(import ../../modules/eval-host.nix {
  configuration = { containers.c.config.time.timeZone = "Mars/Olympus"; };
}).checked.containers.c.config.time.timeZone
