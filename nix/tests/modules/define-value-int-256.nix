{
  value = 256;
}
