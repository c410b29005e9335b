{
  value = 127;
}
