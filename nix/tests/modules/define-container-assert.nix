{
  containers.foo.config.services.openssh = { enable = true; ports = [ ]; };
}
