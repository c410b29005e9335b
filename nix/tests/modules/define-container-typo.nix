{
  containers.foo.config.services.openshh.enable = true;
}
