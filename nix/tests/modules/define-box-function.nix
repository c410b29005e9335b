{
  box = { config, ... }: { services.openssh.enable = config.networking.hostName == "box"; };
}
