{
  services.openssh.enabel = true;
}
