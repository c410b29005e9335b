{
  value = { b = 2; };
}
