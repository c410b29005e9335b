(import ../../modules/eval-host.nix {
  configuration = { containers.k.config.systemd.services.x = { script = "true"; serviceConfig.LimitNOFILE = 4096; }; };
}).specs
