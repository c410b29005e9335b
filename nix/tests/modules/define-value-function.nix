{
  value = x: x + 1;
}
