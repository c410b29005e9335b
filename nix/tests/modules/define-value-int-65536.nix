{
  value = 65536;
}
