{
  value = 128;
}
