# A container's `config` given as an attribute set with a module's own keys
# (`imports`, `options`, `config`) is a module, in both spellings of containers; a plain
# set is the system's config, as the seed has it.
let
  host = {
    containers.mod.config = {
      imports = [ { services.openssh.ports = [ 2222 ]; } ];
      options.my.greeting = { _type = "option"; default = "hi"; }; # what lib.mkOption makes
      config.services.openssh.enable = true;
    };
    containers.plain.config = { services.openssh.enable = true; };
  };
  of = heterogeneous:
    let
      r = import ../../modules/eval-host.nix { inherit heterogeneous; configuration = host; };
      c = n: r.config.containers.${n}.config;
    in {
      mod = { enable = (c "mod").services.openssh.enable; ports = (c "mod").services.openssh.ports; greeting = (c "mod").my.greeting; };
      plain = { enable = (c "plain").services.openssh.enable; ports = (c "plain").services.openssh.ports; };
    };
in
{ nixosSubmodule = of false; heterogeneous = of true; }
