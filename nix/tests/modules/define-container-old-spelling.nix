{
  systemd.containers.old.config = {
    services.openssh.enable = true;
  };
}
