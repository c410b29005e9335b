{
  services = 5;
}
