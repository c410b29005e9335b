{
  value = 11;
}
