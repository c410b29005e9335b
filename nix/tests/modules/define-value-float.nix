{
  value = 1.5;
}
