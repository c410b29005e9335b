{ config, lib, ... }: {
  options.services.openssh = {
    enable = lib.mkEnableOption "the OpenSSH secure shell daemon";
    ports = lib.mkOption { type = lib.types.listOf lib.types.port; default = [ 22 ]; description = "Ports sshd listens on."; };
  };
  config.assertions = [ {
    assertion = !config.services.openssh.enable || config.services.openssh.ports != [ ];
    message = "services.openssh.ports must not be empty";
  } ];
}
