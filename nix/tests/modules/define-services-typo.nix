{
  services.opensh.enable = true;
}
