# The seed's example in the original's spelling, systemd.containers.
{
  systemd.containers.foo.config = {
    services.openssh.enable = true;
    services.openssh.ports = [ 2022 ];
    users.extraUsers.root.openssh.authorizedKeys.keys = [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyForTests test@nest" ];
  };
}
