{
  value = 10;
}
