{
  services.openssh.enable = true;
  services.openssh.ports = [ 2022 ];
}
