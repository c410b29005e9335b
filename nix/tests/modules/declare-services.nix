{ lib, ... }: {
  options.services.openssh.enable = lib.mkEnableOption "the OpenSSH daemon";
  options.services.openssh.ports = lib.mkOption { type = lib.types.listOf lib.types.port; default = [ 22 ]; };
  options.services.nginx.enable = lib.mkEnableOption "nginx";
}
