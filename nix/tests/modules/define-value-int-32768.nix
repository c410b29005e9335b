{
  value = 32768;
}
