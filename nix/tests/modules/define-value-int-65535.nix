{
  value = 65535;
}
